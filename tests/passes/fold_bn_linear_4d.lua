-- fold_bn: a batch_norm after a linear over the last dim of a 4-D tensor
-- is not folded: the linear's features are W, the norm's channels dim 1.
-- After the 1x1 conv channels_last makes of a linear between permutes, it
-- folds as after any conv.
-- run: report --dump-ir=fold_bn
local x = input { name = "x", shape = { 1, 3, 5, 7 } }
local y = x:linear { name = "fc", out_features = 7 }
y = y:batch_norm { name = "bn1" }
y = y:permute { dims = { 0, 2, 3, 1 } }:linear { name = "pw", out_features = 3 }:permute { dims = { 0, 3, 1, 2 } }
return y:batch_norm { name = "bn2" }
-- expect:
-- # after fold_bn
-- # model fold_bn_linear_4d (tests/passes/fold_bn_linear_4d.lua): 7 nodes, input %0, output %4
-- %0 = input name=x : 1x3x5x7  # line 6
-- %1 = linear %0 name=fc out_features=7 bias : 1x3x5x7  # line 7
-- %2 = batch_norm %1 name=bn1 eps=1e-05 : 1x3x5x7  # line 8
-- %3 = permute %2 name=permute_3 dim={0,2,3,1} dead : 1x5x7x3  # line 9
-- %4 = conv2d %2 name=pw out_channels=3 kernel=1x1 stride=1x1 bias : 1x3x5x7  # line 9
-- %5 = permute %4 name=permute_5 dim={0,3,1,2} dead : 1x3x5x7  # line 9
-- %6 = batch_norm %4 name=bn2 eps=1e-05 folded : 1x3x5x7  # line 10
