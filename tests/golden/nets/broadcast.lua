-- Stresses: the binary ops and their broadcasting. Squeeze-and-excitation
-- as torchvision writes it (pool, 1x1 conv, relu, 1x1 conv, sigmoid,
-- then the scale with the per-channel operand on the left), scaling in
-- place; a learned param of shape (C, 1, 1) (ConvNeXt's layer_scale);
-- a param of shape (W) broadcast along the last dim; a tensor of one
-- channel (N x 1 x H x W) broadcast over the channels as a divisor; sub of
-- two tensors of one shape; per-channel sub and div with the channel
-- operand on either side; numbers on either side of sub and div, x * 1
-- (removed) and -x; stochastic_depth (the identity); on the flattened
-- features a (F) param added to N x F and a 1 x F row. Batch 2, 13
-- channels, 9x7. PyTorch twin: Broadcast in tests/golden/nets.py.

local x = input { name = "x", shape = { 2, 13, 9, 7 } }
x = x:conv2d { name = "conv1", out_channels = 16, kernel_size = 3, padding = 1 }   -- 16x9x7
local s = x:adaptive_avg_pool2d { output_size = 1 }                                -- 16x1x1
s = s:conv2d { name = "se.fc1", out_channels = 5, kernel_size = 1 }:relu()
s = s:conv2d { name = "se.fc2", out_channels = 16, kernel_size = 1 }:sigmoid()
x = mul(s, x)                                                                       -- SE scale
x = x * param { name = "layer_scale", shape = { 16, 1, 1 } }
local m = x:adaptive_avg_pool2d { output_size = 1 }
x = x:sub(m):div(m:sigmoid() + 1)                                                 -- per channel, right
x = (m * 4 + 3) / (x:sigmoid() + 0.5) - m                                         -- per channel, left
x = x + param { name = "row", shape = { 7 } }
local d = x:conv2d { name = "gate", out_channels = 1, kernel_size = 1 }:sigmoid()  -- 1x9x7
x = x:div(d + 0.5)
local y = x:conv2d { name = "conv2", out_channels = 16, kernel_size = 3, padding = 1 }
x = y:sub(x, { name = "diff" })
x = 3 - x:relu()
x = -(x * 1)
x = 2 / (x:sigmoid() + 0.25)
x = x:stochastic_depth { p = 0.2, mode = "row" }
x = x:max_pool2d { kernel_size = 3, stride = 2 }                                    -- 16x4x3
x = x:flatten()                                                                     -- 192
x = x + param { name = "bias", shape = { 192 } }
x = x:linear { name = "fc", out_features = 11 }
local z = x:linear { name = "fc_row", out_features = 11 }
return x:mul(z:sub(x):tanh())
