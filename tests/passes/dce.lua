-- dce: values the output does not depend on are removed, the rest
-- renumbered densely (ids follow, names and lines kept); it runs once
-- after shapes (the unused branch goes) and again after algo (what
-- constfold, fold_bn and fuse absorbed goes: the dropout, the batch_norm,
-- the relu).
-- run: report --dump-ir=dce
local x = input { name = "x", shape = { 1, 3, 8, 8 } }
local unused = x:conv2d { name = "unused", out_channels = 2, kernel_size = 1 }
unused = unused:sigmoid()
local c = x:conv2d { name = "conv", out_channels = 4, kernel_size = 3, padding = 1, bias = false }
local y = c:batch_norm { name = "bn" }
y = y:relu()
y = y:dropout { p = 0.5 }
return y:max_pool2d { kernel_size = 2 }
-- expect:
-- # after dce
-- # model dce (tests/passes/dce.lua): 6 nodes, input %0, output %5
-- %0 = input name=x : 1x3x8x8  # line 7
-- %1 = conv2d %0 name=conv out_channels=4 kernel=3x3 stride=1x1 pad=1x1 : 1x4x8x8  # line 10
-- %2 = batch_norm %1 name=bn eps=1e-05 : 1x4x8x8  # line 11
-- %3 = relu %2 name=relu_5 : 1x4x8x8  # line 12
-- %4 = dropout %3 name=dropout_6 p=0.5 : 1x4x8x8  # line 13
-- %5 = max_pool2d %4 name=max_pool2d_7 kernel=2x2 stride=2x2 : 1x4x4x4  # line 14
-- # after dce
-- # model dce (tests/passes/dce.lua): 3 nodes, input %0, output %2
-- %0 = input name=x : 1x3x8x8  # line 7
-- %1 = conv2d %0 name=conv out_channels=4 kernel=3x3 stride=1x1 pad=1x1 bias act=relu algo=stem scratch=1260 : 1x4x8x8  # line 10
-- %2 = max_pool2d %1 name=max_pool2d_7 kernel=2x2 stride=2x2 : 1x4x4x4  # line 14
