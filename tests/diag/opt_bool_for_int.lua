-- expect: tests/diag/opt_bool_for_int.lua:3: error: conv2d: option 'groups' must be an integer from 1 to 16777216, got boolean
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local y = x:conv2d { name = "c1", out_channels = 8, kernel_size = 3, groups = true }
return y
