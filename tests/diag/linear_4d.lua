-- expect: tests/diag/linear_4d.lua:3: error: linear: input must be N x F (2-D), got 1x3x8x8; flatten it first
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local y = x:linear { name = "fc", out_features = 10 }
return y
