-- expect: tests/diag/convt_2d.lua:4: error: conv_transpose2d: input must be 4-D (N x C x H x W), got 1x30
local x = input { name = "x", shape = { 1, 30 } }
-- a transposed conv needs N x C x H x W
return conv_transpose2d(x, { name = "up", out_channels = 4, kernel_size = 3 })
