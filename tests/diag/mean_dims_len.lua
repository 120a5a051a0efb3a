-- expect: tests/diag/mean_dims_len.lua:3: error: mean: option 'dim' must be a dim or a list of 1 to 4 dims (integers, 0-based), got table
local x = input { name = "image", shape = { 1, 6, 8, 8 } }
return x:mean { dim = { 0, 1, 2, 3, 2 } }
