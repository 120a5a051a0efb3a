-- constfold: hardtanh(0, 6) is relu6 and becomes it (then relu6 after
-- relu6 is the identity); hardtanh with other bounds stays.
-- run: report --dump-ir=constfold
local x = input { name = "x", shape = { 1, 3, 5, 5 } }
local c = x:conv2d { name = "conv1", out_channels = 3, kernel_size = 3, padding = 1 }
local h = c:hardtanh { min_val = 0, max_val = 6 }
local s = h:relu6()
local k = s:hardtanh { min_val = 0, max_val = 5 }
return k:conv2d { name = "conv2", out_channels = 2, kernel_size = 3, padding = 1 }
-- expect:
-- # after constfold
-- # model constfold_hardtanh_relu6 (tests/passes/constfold_hardtanh_relu6.lua): 6 nodes, input %0, output %5
-- %0 = input name=x : 1x3x5x5  # line 4
-- %1 = conv2d %0 name=conv1 out_channels=3 kernel=3x3 stride=1x1 pad=1x1 bias : 1x3x5x5  # line 5
-- %2 = relu6 %1 name=hardtanh_2 : 1x3x5x5  # line 6
-- %3 = relu6 %2 name=relu6_3 dead : 1x3x5x5  # line 7
-- %4 = hardtanh %2 name=hardtanh_4 min_val=0 max_val=5 : 1x3x5x5  # line 8
-- %5 = conv2d %4 name=conv2 out_channels=2 kernel=3x3 stride=1x1 pad=1x1 bias : 1x2x5x5  # line 9
