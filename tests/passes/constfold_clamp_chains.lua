-- constfold: relu(relu), relu6(relu6) and relu(relu6) are the identity;
-- relu6(relu(x)) reads x. The first relu is left with no reader (dce
-- removes it); the second conv reads the relu6.
-- run: report --dump-ir=constfold
local x = input { name = "x", shape = { 1, 3, 5, 5 } }
local c = x:conv2d { name = "conv1", out_channels = 3, kernel_size = 3, padding = 1 }
local r1 = c:relu()
local r2 = r1:relu()
local s1 = r2:relu6()
local s2 = s1:relu6()
local r3 = s2:relu()
return r3:conv2d { name = "conv2", out_channels = 2, kernel_size = 3, padding = 1 }
-- expect:
-- # after constfold
-- # model constfold_clamp_chains (tests/passes/constfold_clamp_chains.lua): 8 nodes, input %0, output %7
-- %0 = input name=x : 1x3x5x5  # line 5
-- %1 = conv2d %0 name=conv1 out_channels=3 kernel=3x3 stride=1x1 pad=1x1 bias : 1x3x5x5  # line 6
-- %2 = relu %1 name=relu_2 : 1x3x5x5  # line 7
-- %3 = relu %2 name=relu_3 dead : 1x3x5x5  # line 8
-- %4 = relu6 %1 name=relu6_4 : 1x3x5x5  # line 9
-- %5 = relu6 %4 name=relu6_5 dead : 1x3x5x5  # line 10
-- %6 = relu %4 name=relu_6 dead : 1x3x5x5  # line 11
-- %7 = conv2d %4 name=conv2 out_channels=2 kernel=3x3 stride=1x1 pad=1x1 bias : 1x2x5x5  # line 12
