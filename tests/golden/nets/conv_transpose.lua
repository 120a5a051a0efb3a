-- Stresses: conv_transpose2d. Stride 2 with output_padding 1 (the usual
-- 2x upsampling); stride 3 with groups 13, a {3, 4} kernel, dilation
-- {1, 2}, padding 0 and output_padding {2, 1}; a conv2d between; stride
-- 1 with dilation 2, padding 2 and output_padding 1 (allowed: below the
-- dilation); no bias with a {2, 3} kernel at stride {2, 3}; a batch
-- norm and activations after them. Batch 2, odd sizes, channels
-- 3/13/26/37. PyTorch twin: ConvTranspose in tests/golden/nets.py.

local x = input { name = "x", shape = { 2, 3, 7, 9 } }
x = x:conv_transpose2d { name = "up1", out_channels = 13, kernel_size = 3, stride = 2, padding = 1,
                         output_padding = 1 }                                             -- 13x14x18
x = x:relu()
x = x:conv_transpose2d { name = "up2", out_channels = 26, kernel_size = { 3, 4 }, stride = 3,
                         groups = 13, dilation = { 1, 2 }, output_padding = { 2, 1 } }    -- 26x44x59
x = x:conv2d { name = "down", out_channels = 37, kernel_size = 3, stride = 2 }           -- 37x21x29
x = x:conv_transpose2d { name = "up3", out_channels = 13, kernel_size = 3, padding = 2, dilation = 2,
                         output_padding = 1 }                                             -- 13x22x30
x = x:batch_norm { name = "bn3" }
x = x:hardswish()
return x:conv_transpose2d { name = "up4", out_channels = 5, kernel_size = { 2, 3 }, stride = { 2, 3 },
                            bias = false }                                                -- 5x44x90
