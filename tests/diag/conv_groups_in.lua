-- expect: tests/diag/conv_groups_in.lua:3: error: conv2d: input channels (3) must be divisible by groups (2)
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local y = x:conv2d { name = "c1", out_channels = 4, kernel_size = 3, groups = 2 }
return y
