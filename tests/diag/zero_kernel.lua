-- expect: tests/diag/zero_kernel.lua:3: error: conv2d: option 'kernel_size' must be an integer from 1 to 16777216, or a {h, w} pair of them, got number 0
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local y = x:conv2d { name = "c1", out_channels = 8, kernel_size = 0 }
return y
