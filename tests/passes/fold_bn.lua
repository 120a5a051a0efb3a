-- fold_bn: a batch_norm after a conv2d (without bias: it gains one) or a
-- linear is folded into it, and its readers read the conv or linear; a
-- batch_norm after a folded one folds into the same conv; a batch_norm
-- after anything else (here a relu) stays.
-- run: report --dump-ir=fold_bn
local x = input { name = "x", shape = { 1, 3, 8, 8 } }
local c = x:conv2d { name = "conv", out_channels = 4, kernel_size = 3, padding = 1, bias = false }
local b1 = c:batch_norm { name = "bn1" }
local b2 = b1:batch_norm { name = "bn2" }
local r = b2:relu()
local b3 = r:batch_norm { name = "bn3" }
local f = b3:flatten()
local l = f:linear { name = "fc", out_features = 5 }
return l:batch_norm { name = "bn_fc" }
-- expect:
-- # after fold_bn
-- # model fold_bn (tests/passes/fold_bn.lua): 9 nodes, input %0, output %7
-- %0 = input name=x : 1x3x8x8  # line 6
-- %1 = conv2d %0 name=conv out_channels=4 kernel=3x3 stride=1x1 pad=1x1 bias : 1x4x8x8  # line 7
-- %2 = batch_norm %1 name=bn1 eps=1e-05 folded : 1x4x8x8  # line 8
-- %3 = batch_norm %1 name=bn2 eps=1e-05 folded : 1x4x8x8  # line 9
-- %4 = relu %1 name=relu_4 : 1x4x8x8  # line 10
-- %5 = batch_norm %4 name=bn3 eps=1e-05 : 1x4x8x8  # line 11
-- %6 = flatten %5 name=flatten_6 : 1x256  # line 12
-- %7 = linear %6 name=fc out_features=5 bias : 1x5  # line 13
-- %8 = batch_norm %7 name=bn_fc eps=1e-05 folded : 1x5  # line 14
