-- constfold: hardtanh(0, 6) is relu6 to the clamp chains: relu6 after it
-- is the identity, and it reads a relu's input; hardtanh with other
-- bounds is not.
-- run: report --dump-ir=constfold
local x = input { name = "x", shape = { 1, 3, 5, 5 } }
local c = x:conv2d { name = "conv1", out_channels = 3, kernel_size = 3, padding = 1 }
local r = c:relu()
local h = r:hardtanh { min_val = 0, max_val = 6 }
local s = h:relu6()
local k = s:hardtanh { min_val = 0, max_val = 5 }
local t = k:relu6()
return t:conv2d { name = "conv2", out_channels = 2, kernel_size = 3, padding = 1 }
-- expect:
-- # after constfold
-- # model constfold_hardtanh_relu6 (tests/passes/constfold_hardtanh_relu6.lua): 8 nodes, input %0, output %7
-- %0 = input name=x : 1x3x5x5  # line 5
-- %1 = conv2d %0 name=conv1 out_channels=3 kernel=3x3 stride=1x1 pad=1x1 bias : 1x3x5x5  # line 6
-- %2 = relu %1 name=relu_2 : 1x3x5x5  # line 7
-- %3 = hardtanh %1 name=hardtanh_3 min_val=0 max_val=6 : 1x3x5x5  # line 8
-- %4 = relu6 %3 name=relu6_4 dead : 1x3x5x5  # line 9
-- %5 = hardtanh %3 name=hardtanh_5 min_val=0 max_val=5 : 1x3x5x5  # line 10
-- %6 = relu6 %5 name=relu6_6 : 1x3x5x5  # line 11
-- %7 = conv2d %6 name=conv2 out_channels=2 kernel=3x3 stride=1x1 pad=1x1 bias : 1x2x5x5  # line 12
