-- expect: tests/diag/missing_out_channels.lua:3: error: conv2d: missing required option 'out_channels' (an integer from 1 to 16777216)
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local y = x:conv2d { name = "c1", kernel_size = 3 }
return y
