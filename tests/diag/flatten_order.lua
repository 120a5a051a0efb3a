-- expect: tests/diag/flatten_order.lua:3: error: flatten: start_dim 3 comes after end_dim 1 (dims 3 and 1 of a 4-D tensor)
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
return x:flatten { start_dim = 3, end_dim = 1 }
