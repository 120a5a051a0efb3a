-- swap_resize: a 1x1 conv2d (stride 1, no padding, groups 1) that alone
-- reads an interpolate and has fewer output channels than input ones
-- moves before it, keeping its name (conv1x1(resize(x)) ==
-- resize(conv1x1(x))); the interpolate follows it at once with the conv's
-- channels, and the nodes between move down one. Moved: bilinear by a
-- non-integer scale (13 -> 3), nearest to a size, bilinear with
-- align_corners ahead of two such convs in a row (it moves past both:
-- 13 -> 7 -> 3). Left: a conv that does not reduce the channels
-- (3 -> 5), one a relu follows (fuse applies it as the conv stores), an
-- interpolate two convs read, one that shrinks the image, a 3x3 conv.
-- run: report --dump-ir=swap_resize
local x = input { name = "x", shape = { 1, 13, 9, 11 } }
local a = x:interpolate { scale_factor = 1.7, mode = "bilinear" }
a = a:conv2d { name = "bilinear", out_channels = 3, kernel_size = 1 }
local b = x:interpolate { size = { 20, 23 } }
b = b:conv2d { name = "nearest", out_channels = 3, kernel_size = 1 }
local c = x:interpolate { size = { 17, 21 }, mode = "bilinear", align_corners = true }
c = c:conv2d { name = "first", out_channels = 7, kernel_size = 1 }
c = c:conv2d { name = "second", out_channels = 3, kernel_size = 1, bias = false }
local d = a:interpolate { size = { 17, 21 } }
d = d:conv2d { name = "widens", out_channels = 5, kernel_size = 1 }
local e = x:interpolate { size = { 17, 21 } }
e = e:conv2d { name = "relu_after", out_channels = 3, kernel_size = 1 }:relu()
local f = x:interpolate { size = { 17, 21 } }
f = f:conv2d { name = "twice_a", out_channels = 3, kernel_size = 1 }
    + f:conv2d { name = "twice_b", out_channels = 3, kernel_size = 1 }
local h = x:interpolate { size = { 5, 7 }, mode = "bilinear" }
h = h:conv2d { name = "shrinks", out_channels = 3, kernel_size = 1 }
local k = x:interpolate { size = { 19, 23 }, mode = "bilinear" }
k = k:conv2d { name = "three", out_channels = 3, kernel_size = 3 }
return concat { c, d, e, f, b:interpolate { size = { 17, 21 } }, h:interpolate { size = { 17, 21 } }, k }
-- expect:
-- # after swap_resize
-- # model swap_resize (tests/passes/swap_resize.lua): 24 nodes, input %0, output %23
-- %0 = input name=x : 1x13x9x11  # line 12
-- %1 = conv2d %0 name=bilinear out_channels=3 kernel=1x1 stride=1x1 bias : 1x3x9x11  # line 14
-- %2 = interpolate %1 name=interpolate_1 mode=bilinear scale=1.7x1.7 : 1x3x15x18  # line 13
-- %3 = conv2d %0 name=nearest out_channels=3 kernel=1x1 stride=1x1 bias : 1x3x9x11  # line 16
-- %4 = interpolate %3 name=interpolate_3 out_size=20x23 mode=nearest : 1x3x20x23  # line 15
-- %5 = conv2d %0 name=first out_channels=7 kernel=1x1 stride=1x1 bias : 1x7x9x11  # line 18
-- %6 = conv2d %5 name=second out_channels=3 kernel=1x1 stride=1x1 : 1x3x9x11  # line 19
-- %7 = interpolate %6 name=interpolate_5 out_size=17x21 mode=bilinear align_corners : 1x3x17x21  # line 17
-- %8 = interpolate %2 name=interpolate_8 out_size=17x21 mode=nearest : 1x3x17x21  # line 20
-- %9 = conv2d %8 name=widens out_channels=5 kernel=1x1 stride=1x1 bias : 1x5x17x21  # line 21
-- %10 = interpolate %0 name=interpolate_10 out_size=17x21 mode=nearest : 1x13x17x21  # line 22
-- %11 = conv2d %10 name=relu_after out_channels=3 kernel=1x1 stride=1x1 bias : 1x3x17x21  # line 23
-- %12 = relu %11 name=relu_12 : 1x3x17x21  # line 23
-- %13 = interpolate %0 name=interpolate_13 out_size=17x21 mode=nearest : 1x13x17x21  # line 24
-- %14 = conv2d %13 name=twice_a out_channels=3 kernel=1x1 stride=1x1 bias : 1x3x17x21  # line 25
-- %15 = conv2d %13 name=twice_b out_channels=3 kernel=1x1 stride=1x1 bias : 1x3x17x21  # line 26
-- %16 = add %14, %15 name=add_16 : 1x3x17x21  # line 26
-- %17 = interpolate %0 name=interpolate_17 out_size=5x7 mode=bilinear : 1x13x5x7  # line 27
-- %18 = conv2d %17 name=shrinks out_channels=3 kernel=1x1 stride=1x1 bias : 1x3x5x7  # line 28
-- %19 = interpolate %0 name=interpolate_19 out_size=19x23 mode=bilinear : 1x13x19x23  # line 29
-- %20 = conv2d %19 name=three out_channels=3 kernel=3x3 stride=1x1 bias : 1x3x17x21  # line 30
-- %21 = interpolate %4 name=interpolate_21 out_size=17x21 mode=nearest : 1x3x17x21  # line 31
-- %22 = interpolate %18 name=interpolate_22 out_size=17x21 mode=nearest : 1x3x17x21  # line 31
-- %23 = concat %7, %9, %12, %16, %21, %22, %20 name=concat_23 : 1x23x17x21  # line 31
