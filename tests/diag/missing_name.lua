-- expect: tests/diag/missing_name.lua:3: error: conv2d: missing required option 'name' (a non-empty string of letters, digits, '_', '.' and '-')
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local y = x:conv2d { out_channels = 8, kernel_size = 3 }
return y
