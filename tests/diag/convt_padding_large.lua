-- expect: tests/diag/convt_padding_large.lua:4: error: conv_transpose2d: output height -2 is not positive ((2 - 1) * 1 - 2 * 3 + 1 * (3 - 1) + 0 + 1): padding is too large
local x = input { name = "x", shape = { 1, 3, 2, 9 } }
-- height: (2 - 1) * 1 - 2 * 3 + 2 + 1 = -2
return x:conv_transpose2d { name = "up", out_channels = 4, kernel_size = 3, padding = 3 }
