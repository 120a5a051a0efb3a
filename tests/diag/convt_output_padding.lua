-- expect: tests/diag/convt_output_padding.lua:4: error: conv_transpose2d: output_padding height (2) must be smaller than the stride (2) or the dilation (1)
local x = input { name = "x", shape = { 1, 3, 7, 9 } }
-- output_padding 2 is neither below the stride (2) nor the dilation (1)
return x:conv_transpose2d { name = "up", out_channels = 4, kernel_size = 3, stride = 2,
                            output_padding = 2 }
