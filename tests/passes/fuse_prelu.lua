-- fuse: a prelu (one slope, or one per channel) after a conv2d, a
-- conv_transpose2d or a rank-2 linear read by nothing else is applied by
-- it as it stores (act=prelu, its slopes per output channel); also after
-- a batch_norm folded into the conv, and after a residual add fused into
-- it. Not fused: after a conv whose output has another reader (the add
-- below it), after a conv that already has an activation, after something
-- other than a conv or linear (the pool), after a linear of rank 3 (its
-- features are the last dim, prelu's channels dim 1).
-- run: report --dump-ir=fuse
local x = input { name = "x", shape = { 1, 3, 8, 8 } }
local y = x:conv2d { name = "conv1", out_channels = 5, kernel_size = 3, padding = 1 }
y = y:prelu { name = "p1", num_parameters = 5 }
y = y:conv2d { name = "conv2", out_channels = 5, kernel_size = 3, padding = 1, bias = false }
y = y:batch_norm { name = "bn2" }
y = y:prelu { name = "p2" }
local c3 = y:conv2d { name = "conv3", out_channels = 5, kernel_size = 1 }
y = add(c3:prelu { name = "p3" }, c3)
y = y:conv2d { name = "conv4", out_channels = 5, kernel_size = 1 }
y = (y + x:conv2d { name = "conv5", out_channels = 5, kernel_size = 1 }):prelu { name = "p4" }
y = y:relu():prelu { name = "p5" }
y = y:max_pool2d { kernel_size = 2 }:prelu { name = "p6" }
y = y:conv_transpose2d { name = "up", out_channels = 3, kernel_size = 2, stride = 2 }
y = y:prelu { name = "p7", num_parameters = 3 }
local z = y:linear { name = "fc3", out_features = 7 }:prelu { name = "p8" }
z = z:flatten():linear { name = "fc", out_features = 6 }
return z:prelu { name = "p9", num_parameters = 6 }
-- expect:
-- # after fuse
-- # model fuse_prelu (tests/passes/fuse_prelu.lua): 24 nodes, input %0, output %22
-- %0 = input name=x : 1x3x8x8  # line 10
-- %1 = conv2d %0 name=conv1 out_channels=5 kernel=3x3 stride=1x1 pad=1x1 bias act=prelu act_slopes=p1.weight : 1x5x8x8  # line 11
-- %2 = prelu %1 name=p1 dead : 1x5x8x8  # line 12
-- %3 = conv2d %1 name=conv2 out_channels=5 kernel=3x3 stride=1x1 pad=1x1 bias act=prelu act_slopes=p2.weight : 1x5x8x8  # line 13
-- %4 = batch_norm %3 name=bn2 eps=1e-05 folded : 1x5x8x8  # line 14
-- %5 = prelu %3 name=p2 dead : 1x5x8x8  # line 15
-- %6 = conv2d %3 name=conv3 out_channels=5 kernel=1x1 stride=1x1 bias : 1x5x8x8  # line 16
-- %7 = prelu %6 name=p3 : 1x5x8x8  # line 17
-- %8 = add %7, %6 name=add_8 : 1x5x8x8  # line 17
-- %9 = conv2d %8 name=conv4 out_channels=5 kernel=1x1 stride=1x1 bias : 1x5x8x8  # line 18
-- %10 = conv2d %0, %9 name=conv5 out_channels=5 kernel=1x1 stride=1x1 bias act=prelu act_slopes=p4.weight residual : 1x5x8x8  # line 19
-- %11 = add %9, %10 name=add_11 dead : 1x5x8x8  # line 19
-- %12 = prelu %10 name=p4 dead : 1x5x8x8  # line 19
-- %13 = relu %10 name=relu_13 : 1x5x8x8  # line 20
-- %14 = prelu %13 name=p5 : 1x5x8x8  # line 20
-- %15 = max_pool2d %14 name=max_pool2d_15 kernel=2x2 stride=2x2 : 1x5x4x4  # line 21
-- %16 = prelu %15 name=p6 : 1x5x4x4  # line 21
-- %17 = conv_transpose2d %16 name=up out_channels=3 kernel=2x2 stride=2x2 bias act=prelu act_slopes=p7.weight : 1x3x8x8  # line 22
-- %18 = prelu %17 name=p7 dead : 1x3x8x8  # line 23
-- %19 = linear %17 name=fc3 out_features=7 bias : 1x3x8x7  # line 24
-- %20 = prelu %19 name=p8 : 1x3x8x7  # line 24
-- %21 = flatten %20 name=flatten_21 : 1x168  # line 25
-- %22 = linear %21 name=fc out_features=6 bias act=prelu act_slopes=p9.weight : 1x6  # line 25
-- %23 = prelu %22 name=p9 dead : 1x6  # line 26
