-- fold_bn: a batch_norm whose conv's output has another reader (the add)
-- is not folded: that reader must see the values before the norm. A
-- reader nothing uses (the sigmoid) is gone by then (dce runs first), so
-- the second batch_norm folds.
-- run: report --dump-ir=fold_bn
local x = input { name = "x", shape = { 1, 3, 8, 8 } }
local c1 = x:conv2d { name = "conv1", out_channels = 3, kernel_size = 3, padding = 1 }
local b1 = c1:batch_norm { name = "bn1" }
local s = add(b1, c1)
local c2 = s:conv2d { name = "conv2", out_channels = 3, kernel_size = 3, padding = 1 }
local unused = c2:sigmoid()
return c2:batch_norm { name = "bn2" }
-- expect:
-- # after fold_bn
-- # model fold_bn_other_reader (tests/passes/fold_bn_other_reader.lua): 6 nodes, input %0, output %4
-- %0 = input name=x : 1x3x8x8  # line 6
-- %1 = conv2d %0 name=conv1 out_channels=3 kernel=3x3 stride=1x1 pad=1x1 bias : 1x3x8x8  # line 7
-- %2 = batch_norm %1 name=bn1 eps=1e-05 : 1x3x8x8  # line 8
-- %3 = add %2, %1 name=add_3 : 1x3x8x8  # line 9
-- %4 = conv2d %3 name=conv2 out_channels=3 kernel=3x3 stride=1x1 pad=1x1 bias : 1x3x8x8  # line 10
-- %5 = batch_norm %4 name=bn2 eps=1e-05 folded : 1x3x8x8  # line 12
