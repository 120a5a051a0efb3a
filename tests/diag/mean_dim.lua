-- expect: tests/diag/mean_dim.lua:3: error: mean: only dim = {2, 3} (H and W) of an N x C x H x W tensor is supported, got dim = {1} of a 4-D tensor
local x = input { name = "image", shape = { 1, 6, 8, 8 } }
return x:mean { dim = 1 }
