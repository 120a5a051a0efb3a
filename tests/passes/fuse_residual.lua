-- fuse: add(conv, other) where the conv is read by nothing else and comes
-- after the other operand: the conv takes the other operand as its second
-- input (residual) and the relu after the add as its activation, as in
-- relu(bn(conv(x)) + identity). When both operands are such convs the
-- later one takes the add. Not fused: a conv computed before the other
-- operand (it could not read it), a conv read elsewhere.
-- run: report --dump-ir=fuse
local x = input { name = "x", shape = { 1, 4, 6, 6 } }
local c1 = x:conv2d { name = "conv1", out_channels = 4, kernel_size = 3, padding = 1, bias = false }
local y = c1:batch_norm { name = "bn1" }
y = add(y, x)
y = y:relu()
local a = y:conv2d { name = "conv_a", out_channels = 4, kernel_size = 1 }
local b = y:conv2d { name = "conv_b", out_channels = 4, kernel_size = 1 }
y = add(a, b)
local c = y:conv2d { name = "conv_c", out_channels = 4, kernel_size = 1 }
local t = y:tanh()
y = add(c, t)
local d = y:conv2d { name = "conv_d", out_channels = 4, kernel_size = 1 }
y = add(d, y)
return add(y, d)
-- expect:
-- # after fuse
-- # model fuse_residual (tests/passes/fuse_residual.lua): 14 nodes, input %0, output %13
-- %0 = input name=x : 1x4x6x6  # line 8
-- %1 = conv2d %0, %0 name=conv1 out_channels=4 kernel=3x3 stride=1x1 pad=1x1 bias act=relu residual : 1x4x6x6  # line 9
-- %2 = batch_norm %1 name=bn1 eps=1e-05 folded : 1x4x6x6  # line 10
-- %3 = add %1, %0 name=add_3 dead : 1x4x6x6  # line 11
-- %4 = relu %1 name=relu_4 dead : 1x4x6x6  # line 12
-- %5 = conv2d %1 name=conv_a out_channels=4 kernel=1x1 stride=1x1 bias : 1x4x6x6  # line 13
-- %6 = conv2d %1, %5 name=conv_b out_channels=4 kernel=1x1 stride=1x1 bias residual : 1x4x6x6  # line 14
-- %7 = add %5, %6 name=add_7 dead : 1x4x6x6  # line 15
-- %8 = conv2d %6 name=conv_c out_channels=4 kernel=1x1 stride=1x1 bias : 1x4x6x6  # line 16
-- %9 = tanh %6 name=tanh_9 : 1x4x6x6  # line 17
-- %10 = add %8, %9 name=add_10 : 1x4x6x6  # line 18
-- %11 = conv2d %10 name=conv_d out_channels=4 kernel=1x1 stride=1x1 bias : 1x4x6x6  # line 19
-- %12 = add %11, %10 name=add_12 : 1x4x6x6  # line 20
-- %13 = add %12, %11 name=add_13 : 1x4x6x6  # line 21
