-- Stresses Winograd (--algo winograd; the default takes it on conv3..conv5):
-- 3x3 stride-1 convs whose outputs (15x13, 13x11, 11x9, 9x7) are no
-- multiple of the 2x2 or 4x4 output tile, so edge tiles read past the input
-- and drop outputs; padding 1 and 0; channels 3, 13 and 37; batch 2; a
-- residual add then relu on an F(4x4) layer and then leaky_relu on an
-- F(2x2) one, batch norm folded into one. PyTorch twin: WinogradEdges in
-- tests/golden/nets.py.

local x = input { name = "image", shape = { 2, 3, 15, 13 } }
x = x:conv2d { name = "conv1", out_channels = 13, kernel_size = 3, padding = 1 }     -- 13x15x13
x = x:relu()
x = x:conv2d { name = "conv2", out_channels = 37, kernel_size = 3 }                  -- 37x13x11
x = x:relu()
local y = x:conv2d { name = "conv3", out_channels = 37, kernel_size = 3, padding = 1 } -- 37x13x11
x = y:add(x):relu()
x = x:conv2d { name = "conv4", out_channels = 37, kernel_size = 3, bias = false }     -- 37x11x9
x = x:batch_norm { name = "bn4" }
x = x:relu()
y = x:conv2d { name = "conv5", out_channels = 37, kernel_size = 3, padding = 1 }     -- 37x11x9
x = y:add(x):leaky_relu { negative_slope = 0.1 }
return x:conv2d { name = "conv6", out_channels = 13, kernel_size = 3 }               -- 13x9x7
