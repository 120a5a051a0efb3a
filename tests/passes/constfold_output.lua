-- constfold: a dropout removed at the end moves the graph's output to what
-- it read, the conv.
-- run: report --dump-ir=constfold
local x = input { name = "x", shape = { 1, 3, 5, 5 } }
local c = x:conv2d { name = "conv", out_channels = 4, kernel_size = 3, padding = 1 }
return c:dropout { p = 0.1 }
-- expect:
-- # after constfold
-- # model constfold_output (tests/passes/constfold_output.lua): 3 nodes, input %0, output %1
-- %0 = input name=x : 1x3x5x5  # line 4
-- %1 = conv2d %0 name=conv out_channels=4 kernel=3x3 stride=1x1 pad=1x1 bias : 1x4x5x5  # line 5
-- %2 = dropout %1 name=dropout_2 p=0.1 dead : 1x4x5x5  # line 6
