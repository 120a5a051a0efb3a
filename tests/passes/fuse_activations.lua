-- fuse: an activation after a conv2d read by nothing else is applied by
-- the conv as it stores (act=, with the option of one that has one); also
-- after a batch_norm folded into the conv. Not fused: an activation after
-- a conv that already has one (sigmoid after relu), after a conv whose
-- output has another reader (the add), after something other than a conv
-- (the pool).
-- run: report --dump-ir=fuse
local x = input { name = "x", shape = { 1, 3, 8, 8 } }
local c1 = x:conv2d { name = "conv1", out_channels = 4, kernel_size = 3, padding = 1 }
local y = c1:relu()
y = y:sigmoid()
local c2 = y:conv2d { name = "conv2", out_channels = 4, kernel_size = 3, padding = 1, bias = false }
y = c2:batch_norm { name = "bn2" }
y = y:relu6()
local c3 = y:conv2d { name = "conv3", out_channels = 4, kernel_size = 1 }
y = c3:leaky_relu { negative_slope = 0.2 }
local c4 = y:conv2d { name = "conv4", out_channels = 4, kernel_size = 1 }
y = add(c4:tanh(), c4)
y = y:max_pool2d { kernel_size = 2 }
return y:relu()
-- expect:
-- # after fuse
-- # model fuse_activations (tests/passes/fuse_activations.lua): 14 nodes, input %0, output %13
-- %0 = input name=x : 1x3x8x8  # line 8
-- %1 = conv2d %0 name=conv1 out_channels=4 kernel=3x3 stride=1x1 pad=1x1 bias act=relu : 1x4x8x8  # line 9
-- %2 = relu %1 name=relu_2 dead : 1x4x8x8  # line 10
-- %3 = sigmoid %1 name=sigmoid_3 : 1x4x8x8  # line 11
-- %4 = conv2d %3 name=conv2 out_channels=4 kernel=3x3 stride=1x1 pad=1x1 bias act=relu6 : 1x4x8x8  # line 12
-- %5 = batch_norm %4 name=bn2 eps=1e-05 folded : 1x4x8x8  # line 13
-- %6 = relu6 %4 name=relu6_6 dead : 1x4x8x8  # line 14
-- %7 = conv2d %4 name=conv3 out_channels=4 kernel=1x1 stride=1x1 bias act=leaky_relu act_negative_slope=0.2 : 1x4x8x8  # line 15
-- %8 = leaky_relu %7 name=leaky_relu_8 negative_slope=0.2 dead : 1x4x8x8  # line 16
-- %9 = conv2d %7 name=conv4 out_channels=4 kernel=1x1 stride=1x1 bias : 1x4x8x8  # line 17
-- %10 = tanh %9 name=tanh_10 : 1x4x8x8  # line 18
-- %11 = add %10, %9 name=add_11 : 1x4x8x8  # line 18
-- %12 = max_pool2d %11 name=max_pool2d_12 kernel=2x2 stride=2x2 : 1x4x4x4  # line 19
-- %13 = relu %12 name=relu_13 : 1x4x4x4  # line 20
