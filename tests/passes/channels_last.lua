-- channels_last: ConvNeXt's block (permute(0, 2, 3, 1), layer_norm over
-- the last dim, linear, gelu, linear, a (C) layer scale, a number,
-- permute(0, 3, 1, 2)) and LayerNorm2d run on N x C x H x W: each linear
-- becomes a 1x1 conv2d, the layer_norm a layer norm over the channels
-- (`channels`), the (C) param a 1 x C x 1 x 1 operand, and both permutes
-- are dead: nothing reads them, so nothing is copied. A region with two
-- exits (one read by the add, one by the LayerNorm2d) loses both.
-- run: report --dump-ir=channels_last
local x = input { name = "x", shape = { 1, 13, 5, 7 } }
local y = x:conv2d { name = "dw", out_channels = 13, kernel_size = 7, padding = 3, groups = 13 }
y = y:permute { dims = { 0, 2, 3, 1 } }
y = y:layer_norm { name = "norm", normalized_shape = 13, eps = 1e-6 }
y = y:linear { name = "pw1", out_features = 37 }
y = y:gelu()
y = y:linear { name = "pw2", out_features = 13 }
y = y:mul(param { name = "gamma", shape = { 13 } }):mul(0.5)
local a = y:permute { dims = { 0, 3, 1, 2 } }
local b = y:permute { dims = { 0, 3, 1, 2 } }:relu()
x = x:add(a):add(b)
x = x:permute { dims = { 0, 2, 3, 1 } }
x = x:layer_norm { name = "ln2d", normalized_shape = { 13 } }
return x:permute { dims = { 0, 3, 1, 2 } }
-- expect:
-- # after channels_last
-- # model channels_last (tests/passes/channels_last.lua): 18 nodes, input %0, output %16
-- %0 = input name=x : 1x13x5x7  # line 9
-- %1 = conv2d %0 name=dw out_channels=13 kernel=7x7 stride=1x1 pad=3x3 groups=13 bias : 1x13x5x7  # line 10
-- %2 = permute %1 name=permute_2 dim={0,2,3,1} dead : 1x5x7x13  # line 11
-- %3 = layer_norm %1 name=norm eps=1e-06 normalized_shape={13} affine channels : 1x13x5x7  # line 12
-- %4 = conv2d %3 name=pw1 out_channels=37 kernel=1x1 stride=1x1 bias : 1x37x5x7  # line 13
-- %5 = gelu %4 name=gelu_5 approximate=0 : 1x37x5x7  # line 14
-- %6 = conv2d %5 name=pw2 out_channels=13 kernel=1x1 stride=1x1 bias : 1x13x5x7  # line 15
-- %7 = param name=gamma weights=13 : 1x13x1x1  # line 16
-- %8 = mul %6, %7 name=mul_8 : 1x13x5x7  # line 16
-- %9 = mul %8 name=mul_9 right=0.5 : 1x13x5x7  # line 16
-- %10 = permute %9 name=permute_10 dim={0,3,1,2} dead : 1x13x5x7  # line 17
-- %11 = permute %9 name=permute_11 dim={0,3,1,2} dead : 1x13x5x7  # line 18
-- %12 = relu %9 name=relu_12 : 1x13x5x7  # line 18
-- %13 = add %0, %9 name=add_13 : 1x13x5x7  # line 19
-- %14 = add %13, %12 name=add_14 : 1x13x5x7  # line 19
-- %15 = permute %14 name=permute_15 dim={0,2,3,1} dead : 1x5x7x13  # line 20
-- %16 = layer_norm %14 name=ln2d eps=1e-05 normalized_shape={13} affine channels : 1x13x5x7  # line 21
-- %17 = permute %16 name=permute_17 dim={0,3,1,2} dead : 1x13x5x7  # line 22
