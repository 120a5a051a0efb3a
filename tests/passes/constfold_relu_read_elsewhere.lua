-- constfold: relu6(relu(x)) reads x, but the relu stays, live, while the
-- add still reads it.
-- run: report --dump-ir=constfold
local x = input { name = "x", shape = { 1, 3, 5, 5 } }
local c = x:conv2d { name = "conv", out_channels = 3, kernel_size = 3, padding = 1 }
local r = c:relu()
local s = r:relu6()
return add(s, r)
-- expect:
-- # after constfold
-- # model constfold_relu_read_elsewhere (tests/passes/constfold_relu_read_elsewhere.lua): 5 nodes, input %0, output %4
-- %0 = input name=x : 1x3x5x5  # line 4
-- %1 = conv2d %0 name=conv out_channels=3 kernel=3x3 stride=1x1 pad=1x1 bias : 1x3x5x5  # line 5
-- %2 = relu %1 name=relu_2 : 1x3x5x5  # line 6
-- %3 = relu6 %1 name=relu6_3 : 1x3x5x5  # line 7
-- %4 = add %3, %2 name=add_4 : 1x3x5x5  # line 8
