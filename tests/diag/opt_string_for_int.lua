-- expect: tests/diag/opt_string_for_int.lua:3: error: conv2d: option 'out_channels' must be an integer from 1 to 16777216, got string 8
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local y = conv2d(x, { name = "c1", out_channels = "8", kernel_size = 3 })
return y
