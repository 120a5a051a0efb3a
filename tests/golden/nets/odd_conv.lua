-- Stresses: odd, non-square input (1x3x17x23); odd channel counts (3, 13,
-- 37); stride 2 with padding 0; a non-square {3,5} kernel with padding 2
-- and dilation 2; depthwise conv (groups = 37) with stride {1,2} and no
-- bias, then batch norm; a {1,3} kernel with padding {0,1}; leaky_relu 0.2,
-- relu6; a 4-D output. PyTorch twin: OddConv in tests/golden/nets.py.

local x = input { name = "image", shape = { 1, 3, 17, 23 } }
x = x:conv2d { name = "conv1", out_channels = 13, kernel_size = 3, stride = 2, padding = 0 }  -- 13x8x11
x = x:relu()
x = x:conv2d { name = "conv2", out_channels = 37, kernel_size = { 3, 5 }, padding = 2, dilation = 2 }  -- 37x8x7
x = x:leaky_relu { negative_slope = 0.2 }
x = x:conv2d { name = "conv3", out_channels = 37, kernel_size = 3, stride = { 1, 2 }, padding = 1,
               groups = 37, bias = false }                                                   -- 37x8x4
x = x:batch_norm { name = "bn3" }
x = x:relu6()
return x:conv2d { name = "conv4", out_channels = 13, kernel_size = { 1, 3 }, padding = { 0, 1 } }  -- 13x8x4
