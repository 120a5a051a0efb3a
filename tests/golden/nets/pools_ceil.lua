-- Stresses: ceil_mode pools where ceil changes the output size (13x19 ->
-- 7x10 with kernel 2, floor would give 6x9); a ceil_mode max pool whose last
-- window in W would start past the input, which PyTorch drops (6 -> 2, not
-- 3); avg pools with padding and ceil_mode, with and without
-- count_include_pad (the last window overhangs the padding); non-square
-- kernels, strides and paddings on pools; add; leaky_relu with slope -1
-- (|x|, which max(x, slope * x) would get wrong).
-- PyTorch twin: PoolsCeil in tests/golden/nets.py.

local x = input { name = "x", shape = { 1, 6, 13, 19 } }
x = x:conv2d { name = "conv1", out_channels = 8, kernel_size = 3, padding = 1 }          -- 8x13x19
x = x:max_pool2d { kernel_size = 2, stride = 2, ceil_mode = true }                       -- 8x7x10
local a = x:avg_pool2d { kernel_size = 3, stride = 2, padding = 1, ceil_mode = true }    -- 8x4x6
local b = x:avg_pool2d { kernel_size = 3, stride = 2, padding = 1, ceil_mode = true,
                         count_include_pad = false }                                     -- 8x4x6
x = add(a, b)
x = x:conv2d { name = "conv2", out_channels = 8, kernel_size = 1 }                       -- 8x4x6
x = x:max_pool2d { kernel_size = { 3, 2 }, stride = { 2, 3 }, padding = { 1, 0 }, ceil_mode = true }  -- 8x3x2
local c = x:avg_pool2d { kernel_size = { 2, 3 }, stride = { 1, 2 }, padding = { 1, 1 },
                         count_include_pad = false }                                     -- 8x4x1
local d = x:max_pool2d { kernel_size = { 2, 3 }, stride = { 1, 2 }, padding = { 1, 1 } } -- 8x4x1
x = c:add(d:leaky_relu { negative_slope = -1 })                                          -- c + |d|
-- Overlapping pools repeat values exactly; mixing channels breaks those ties,
-- so the argmax check does not hang on rounding.
return x:conv2d { name = "conv3", out_channels = 5, kernel_size = 1 }                    -- 5x4x1
