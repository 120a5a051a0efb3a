-- expect: tests/diag/mean_dim_twice.lua:3: error: mean: dim 3 appears twice in dim
local x = input { name = "image", shape = { 1, 6, 8, 8 } }
return x:mean { dim = { 3, -1 } }
