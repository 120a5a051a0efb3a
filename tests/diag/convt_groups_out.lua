-- expect: tests/diag/convt_groups_out.lua:4: error: conv_transpose2d: out_channels (13) must be divisible by groups (3)
local x = input { name = "x", shape = { 1, 12, 7, 9 } }
-- 13 output channels do not split into 3 groups
return x:conv_transpose2d { name = "up", out_channels = 13, kernel_size = 3, groups = 3 }
