-- expect: tests/diag/conv_kernel_large.lua:3: error: conv2d: kernel height 9 (with dilation) is larger than the padded input 8 (8 + 2*0)
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local y = x:conv2d { name = "c1", out_channels = 8, kernel_size = 9 }
return y
