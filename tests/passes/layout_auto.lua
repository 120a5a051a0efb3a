-- layout: --layout auto (the default) on a net of one small conv: the
-- cost model finds nothing faster than NCHW, so every node stays NCHW and
-- no reorder is inserted. (The note it leaves for the report is checked
-- by test_auto_small in tests/unit/test_layout.c.)
-- run: report --dump-ir=layout
local x = input { name = "x", shape = { 1, 3, 8, 8 } }
return x:conv2d { name = "conv", out_channels = 4, kernel_size = 3, padding = 1 }
-- expect:
-- # after layout
-- # model layout_auto (tests/passes/layout_auto.lua): 2 nodes, input %0, output %1
-- %0 = input name=x : 1x3x8x8  # line 6
-- %1 = conv2d %0 name=conv out_channels=4 kernel=3x3 stride=1x1 pad=1x1 bias algo=stem scratch=1260 : 1x4x8x8  # line 7
