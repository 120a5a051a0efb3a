-- layout: with --layout nchw every node stays NCHW (no layout= in the
-- dump) and no reorder is inserted.
-- run: report --layout nchw --dump-ir=layout
local x = input { name = "x", shape = { 1, 3, 9, 7 } }
local c = x:conv2d { name = "conv1", out_channels = 8, kernel_size = 3, padding = 1 }
local r = c:max_pool2d { kernel_size = 3, stride = 1, padding = 1 }
return r:conv2d { name = "conv2", out_channels = 4, kernel_size = 1 }
-- expect:
-- # after layout
-- # model layout_nchw (tests/passes/layout_nchw.lua): 4 nodes, input %0, output %3
-- %0 = input name=x : 1x3x9x7  # line 4
-- %1 = conv2d %0 name=conv1 out_channels=8 kernel=3x3 stride=1x1 pad=1x1 bias algo=stem scratch=1260 : 1x8x9x7  # line 5
-- %2 = max_pool2d %1 name=max_pool2d_2 kernel=3x3 stride=1x1 pad=1x1 : 1x8x9x7  # line 6
-- %3 = conv2d %2 name=conv2 out_channels=4 kernel=1x1 stride=1x1 bias algo=gemm scratch=2048 : 1x4x9x7  # line 7
