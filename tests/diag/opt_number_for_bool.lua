-- expect: tests/diag/opt_number_for_bool.lua:3: error: conv2d: option 'bias' must be true or false, got number 0
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local y = x:conv2d { name = "c1", out_channels = 8, kernel_size = 3, bias = 0 }
return y
