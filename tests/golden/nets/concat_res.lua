-- Stresses: batch 2; concat of 3 inputs with different channel counts (3, 5
-- and 8, the last a stride-1 padded max pool); a residual add; batch norm
-- on convs without bias; global_avg_pool, flatten, linear. The golden input
-- holds two batches (4 samples). PyTorch twin: ConcatRes in tests/golden/nets.py.

local x = input { name = "x", shape = { 2, 3, 16, 13 } }
local s = x:conv2d { name = "stem", out_channels = 8, kernel_size = 3, padding = 1, bias = false }
s = s:batch_norm { name = "bn_stem" }
s = s:relu()                                                                            -- 8x16x13
local a = s:conv2d { name = "b1", out_channels = 3, kernel_size = 1 }                   -- 3x16x13
local b = s:conv2d { name = "b2", out_channels = 5, kernel_size = 3, padding = 1 }
b = b:relu()                                                                            -- 5x16x13
local c = s:max_pool2d { kernel_size = 3, stride = 1, padding = 1 }                     -- 8x16x13
local y = concat { a, b, c }                                                            -- 16x16x13
y = y:conv2d { name = "mix", out_channels = 8, kernel_size = 1, bias = false }
y = y:batch_norm { name = "bn_mix" }
y = y:add(s)
y = y:relu()
y = y:global_avg_pool()                                                                 -- 8x1x1
y = y:flatten()
return y:linear { name = "fc", out_features = 6 }
