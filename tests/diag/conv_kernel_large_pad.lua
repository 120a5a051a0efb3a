-- expect: tests/diag/conv_kernel_large_pad.lua:3: error: conv2d: kernel width 11 (with dilation) is larger than the padded input 10 (8 + 2*1)
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local y = x:conv2d { name = "c1", out_channels = 8, kernel_size = { 3, 11 }, padding = 1 }
return y
