-- expect: tests/diag/flatten_range.lua:3: error: flatten: end_dim 4 is out of range for a 4-D tensor (expected -4..3)
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
return x:flatten { start_dim = 1, end_dim = 4 }
