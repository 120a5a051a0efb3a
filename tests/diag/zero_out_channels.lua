-- expect: tests/diag/zero_out_channels.lua:3: error: conv2d: option 'out_channels' must be an integer from 1 to 16777216, got number 0
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local y = x:conv2d { name = "c1", out_channels = 0, kernel_size = 3 }
return y
