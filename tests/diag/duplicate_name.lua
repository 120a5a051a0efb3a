-- expect: tests/diag/duplicate_name.lua:4: error: conv2d: layer name 'conv' is already used by the conv2d at line 3
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local a = x:conv2d { name = "conv", out_channels = 4, kernel_size = 3, padding = 1 }
local b = a:conv2d { name = "conv", out_channels = 4, kernel_size = 3, padding = 1 }
return b
