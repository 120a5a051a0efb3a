-- expect: tests/diag/negative_padding.lua:3: error: conv2d: option 'padding' must be an integer from 0 to 16777216, or a {h, w} pair of them, got number -1
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local y = x:conv2d { name = "c1", out_channels = 8, kernel_size = 3, padding = -1 }
return y
