-- swap_resize then fuse, as in torchvision's LRASPP head: a 1x1
-- classifier (13 -> 3) of a resized tensor, added to the classifier of
-- the low-resolution features computed after the resize. Moved before
-- the resize, the high classifier no longer takes the add; the resize
-- now comes right after it, before the low classifier, which takes the
-- resized tensor as its residual: still one pass over the sum.
-- run: report --dump-ir=fuse
local x = input { name = "x", shape = { 1, 5, 17, 19 } }
local high = x:conv2d { name = "high", out_channels = 13, kernel_size = 3, stride = 2 }:relu()
high = high:interpolate { size = { x.shape[3], x.shape[4] }, mode = "bilinear" }
return x:conv2d { name = "low_classifier", out_channels = 3, kernel_size = 1 }
       + high:conv2d { name = "high_classifier", out_channels = 3, kernel_size = 1 }
-- expect:
-- # after fuse
-- # model swap_resize_fuse (tests/passes/swap_resize_fuse.lua): 7 nodes, input %0, output %5
-- %0 = input name=x : 1x5x17x19  # line 8
-- %1 = conv2d %0 name=high out_channels=13 kernel=3x3 stride=2x2 bias act=relu : 1x13x8x9  # line 9
-- %2 = relu %1 name=relu_2 dead : 1x13x8x9  # line 9
-- %3 = conv2d %1 name=high_classifier out_channels=3 kernel=1x1 stride=1x1 bias : 1x3x8x9  # line 12
-- %4 = interpolate %3 name=interpolate_3 out_size=17x19 mode=bilinear : 1x3x17x19  # line 10
-- %5 = conv2d %0, %4 name=low_classifier out_channels=3 kernel=1x1 stride=1x1 bias residual : 1x3x17x19  # line 11
-- %6 = add %5, %4 name=add_6 dead : 1x3x17x19  # line 12
