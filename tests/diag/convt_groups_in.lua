-- expect: tests/diag/convt_groups_in.lua:4: error: conv_transpose2d: input channels (13) must be divisible by groups (2)
local x = input { name = "x", shape = { 1, 13, 7, 9 } }
-- 13 input channels do not split into 2 groups
return x:conv_transpose2d { name = "up", out_channels = 4, kernel_size = 3, groups = 2 }
