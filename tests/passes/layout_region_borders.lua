-- layout: --layout nhwc puts the conv, pool and relu in NHWC with reorders
-- only at the region's borders: one after the NCHW input, one before
-- flatten (which reads NCHW), none inside; linear stays NCHW. The conv
-- drops the stem kernel for the chunked direct one (no algo=, no
-- scratch=).
-- run: report --layout nhwc --dump-ir=layout
local x = input { name = "x", shape = { 1, 3, 9, 7 } }
local c = x:conv2d { name = "conv", out_channels = 13, kernel_size = 3, stride = 2, padding = 1 }
local p = c:max_pool2d { kernel_size = 2 }
local r = p:relu()
local f = r:flatten()
return f:linear { name = "fc", out_features = 5 }
-- expect:
-- # after layout
-- # model layout_region_borders (tests/passes/layout_region_borders.lua): 8 nodes, input %0, output %7
-- %0 = input name=x : 1x3x9x7  # line 7
-- %1 = reorder %0 name=x.to_nhwc layout=nhwc : 1x3x9x7  # line 7
-- %2 = conv2d %1 name=conv out_channels=13 kernel=3x3 stride=2x2 pad=1x1 bias layout=nhwc : 1x13x5x4  # line 8
-- %3 = max_pool2d %2 name=max_pool2d_2 kernel=2x2 stride=2x2 layout=nhwc : 1x13x2x2  # line 9
-- %4 = relu %3 name=relu_3 layout=nhwc : 1x13x2x2  # line 10
-- %5 = reorder %4 name=relu_3.to_nchw : 1x13x2x2  # line 10
-- %6 = flatten %5 name=flatten_4 : 1x52  # line 11
-- %7 = linear %6 name=fc out_features=5 bias : 1x5  # line 12
