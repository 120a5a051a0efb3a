-- shapes: the model file run and every shape inferred by PyTorch's rules,
-- with the options the dump prints. 7x7 in: grouped conv keeps 7x7;
-- depthwise k3 s2 p1: (7 + 2 - 3) / 2 + 1 = 4; non-square k3x5 s2x1
-- p1x2 d1x2: H (7 + 2 - 2 - 1) / 2 + 1 = 4, W (7 + 4 - 8 - 1) + 1 = 3;
-- max k2 s2 p1 ceil: ceil(7 / 2) + 1 = 5, but the last window would start
-- at 8 >= 7 + 1, in the padding, so 4; max k2 s2 ceil: ceil(5 / 2) + 1 =
-- 4 (floor would give 3); avg k3 s2 p1 without the padding: 4; adaptive
-- to 3x5; global pool, flatten (8), linear.
-- run: check --dump-ir=shapes
local x = input { name = "x", shape = { 2, 8, 7, 7 } }
local g = x:conv2d { name = "grouped", out_channels = 12, kernel_size = 3, padding = 1, groups = 4 }
local d = x:conv2d { name = "dw", out_channels = 8, kernel_size = 3, stride = 2, padding = 1, groups = 8,
                     bias = false }
local n = x:conv2d { name = "odd", out_channels = 6, kernel_size = { 3, 5 }, stride = { 2, 1 },
                     padding = { 1, 2 }, dilation = { 1, 2 } }
local m1 = x:max_pool2d { kernel_size = 2, padding = 1, ceil_mode = true }
local m2 = x:max_pool2d { kernel_size = 2, ceil_mode = true }
local a = x:avg_pool2d { kernel_size = 3, stride = 2, padding = 1, count_include_pad = false }
local ad = x:adaptive_avg_pool2d { output_size = { 3, 5 } }
local y = x:global_avg_pool()
y = y:flatten()
return y:linear { name = "fc", out_features = 3 }
-- expect:
-- # after shapes
-- # model shapes (tests/passes/shapes.lua): 11 nodes, input %0, output %10
-- %0 = input name=x : 2x8x7x7  # line 10
-- %1 = conv2d %0 name=grouped out_channels=12 kernel=3x3 stride=1x1 pad=1x1 groups=4 bias : 2x12x7x7  # line 11
-- %2 = conv2d %0 name=dw out_channels=8 kernel=3x3 stride=2x2 pad=1x1 groups=8 : 2x8x4x4  # line 12
-- %3 = conv2d %0 name=odd out_channels=6 kernel=3x5 stride=2x1 pad=1x2 dilation=1x2 bias : 2x6x4x3  # line 14
-- %4 = max_pool2d %0 name=max_pool2d_4 kernel=2x2 stride=2x2 pad=1x1 ceil_mode : 2x8x4x4  # line 16
-- %5 = max_pool2d %0 name=max_pool2d_5 kernel=2x2 stride=2x2 ceil_mode : 2x8x4x4  # line 17
-- %6 = avg_pool2d %0 name=avg_pool2d_6 kernel=3x3 stride=2x2 pad=1x1 exclude_pad : 2x8x4x4  # line 18
-- %7 = adaptive_avg_pool2d %0 name=adaptive_avg_pool2d_7 out_size=3x5 : 2x8x3x5  # line 19
-- %8 = global_avg_pool %0 name=global_avg_pool_8 : 2x8x1x1  # line 20
-- %9 = flatten %8 name=flatten_9 : 2x8  # line 21
-- %10 = linear %9 name=fc out_features=3 bias : 2x3  # line 22
