-- constfold: dropout and 1x1 pools of stride 1 without padding (ceil_mode
-- or not) are the identity: each is marked dead and its reader reads what
-- it read.
-- run: report --dump-ir=constfold
local x = input { name = "x", shape = { 1, 3, 9, 7 } }
local c = x:conv2d { name = "conv", out_channels = 5, kernel_size = 3, padding = 1 }
local d = c:dropout { p = 0.5 }
local m = d:max_pool2d { kernel_size = 1 }
local a = m:avg_pool2d { kernel_size = 1, stride = 1 }
local m2 = a:max_pool2d { kernel_size = 1, ceil_mode = true }
return m2:relu()
-- expect:
-- # after constfold
-- # model constfold_identities (tests/passes/constfold_identities.lua): 7 nodes, input %0, output %6
-- %0 = input name=x : 1x3x9x7  # line 5
-- %1 = conv2d %0 name=conv out_channels=5 kernel=3x3 stride=1x1 pad=1x1 bias : 1x5x9x7  # line 6
-- %2 = dropout %1 name=dropout_2 p=0.5 dead : 1x5x9x7  # line 7
-- %3 = max_pool2d %1 name=max_pool2d_3 kernel=1x1 stride=1x1 dead : 1x5x9x7  # line 8
-- %4 = avg_pool2d %1 name=avg_pool2d_4 kernel=1x1 stride=1x1 dead : 1x5x9x7  # line 9
-- %5 = max_pool2d %1 name=max_pool2d_5 kernel=1x1 stride=1x1 ceil_mode dead : 1x5x9x7  # line 10
-- %6 = relu %1 name=relu_6 : 1x5x9x7  # line 11
