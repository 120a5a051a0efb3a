-- expect: tests/diag/flatten_batch.lua:3: error: flatten: start_dim 0 merges the batch (dim 0) into other dims; only start_dim >= 1 is supported
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
return x:flatten { start_dim = 0 }
