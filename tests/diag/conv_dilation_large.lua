-- expect: tests/diag/conv_dilation_large.lua:3: error: conv2d: kernel height 9 (with dilation) is larger than the padded input 8 (8 + 2*0)
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local y = x:conv2d { name = "c1", out_channels = 8, kernel_size = 3, dilation = 4 }
return y
