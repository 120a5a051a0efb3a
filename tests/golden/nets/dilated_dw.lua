-- Stresses: dilated depthwise convs (depthwise_phases.c): 5x5 at
-- dilation 2, stride 1 (lraspp's) on a plane of two bands (61 rows of 109
-- flat columns), with a residual and hardswish fused; 3x3 at dilation 3,
-- stride 1, padding 0; 3x3 at dilation 3, stride 2 with sigmoid (applied
-- after the store); a {5, 3} kernel at dilation {3, 2}, stride {1, 2},
-- no bias, then batch norm and relu6; 3x3 at dilation 2, stride 2,
-- padding 0. Channels 13 and 37, odd sizes. 1x13x61x101 in, 37x8x10 out.
-- PyTorch twin: DilatedDw in tests/golden/nets.py.

local x = input { name = "x", shape = { 1, 13, 61, 101 } }
x = x:conv2d { name = "dw1", out_channels = 13, kernel_size = 5, padding = 4, dilation = 2, groups = 13 }
     :add(x):hardswish()                                                                        -- 13x61x101
x = x:conv2d { name = "dw2", out_channels = 13, kernel_size = 3, dilation = 3, groups = 13 }:relu() -- 13x55x95
x = x:conv2d { name = "conv", out_channels = 37, kernel_size = 1 }                              -- 37x55x95
x = x:conv2d { name = "dw3", out_channels = 37, kernel_size = 3, stride = 2, padding = 3, dilation = 3,
               groups = 37 }:sigmoid()                                                          -- 37x28x48
x = x:conv2d { name = "dw4", out_channels = 37, kernel_size = { 5, 3 }, stride = { 1, 2 }, padding = { 2, 1 },
               dilation = { 3, 2 }, groups = 37, bias = false }                                 -- 37x20x23
x = x:batch_norm { name = "bn4" }:relu6()
return x:conv2d { name = "dw5", out_channels = 37, kernel_size = 3, stride = 2, dilation = 2, groups = 37 } -- 37x8x10
