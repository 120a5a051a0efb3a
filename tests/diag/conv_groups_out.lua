-- expect: tests/diag/conv_groups_out.lua:4: error: conv2d: out_channels (6) must be divisible by groups (4)
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local c = x:conv2d { name = "c1", out_channels = 8, kernel_size = 1 }
local y = c:conv2d { name = "c2", out_channels = 6, kernel_size = 3, groups = 4 }
return y
