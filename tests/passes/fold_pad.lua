-- fold_pad: a zero pad, symmetric per axis, before a conv2d that alone
-- reads it becomes the conv's padding (1x0 + {2, 2, 1, 1} = 2x2), also
-- in its 2-element form; a pad with pads differing between sides, one of
-- another value, a reflect pad, a cropping pad and a pad read twice
-- stay, each saying why in report's notes.
-- run: report --dump-ir=fold_pad
local x = input { name = "x", shape = { 1, 3, 9, 11 } }
local a = x:pad { pad = { 2, 2, 1, 1 } }
a = a:conv2d { name = "sym", out_channels = 4, kernel_size = 3, padding = { 1, 0 } }
local b = a:pad { pad = { 1, 1 } }
b = b:conv2d { name = "two", out_channels = 4, kernel_size = 3 }
local c = b:pad { pad = { 0, 1, 1, 0 } }
c = c:conv2d { name = "asym", out_channels = 4, kernel_size = 3, stride = 2 }
local d = c:pad { pad = { 1, 1, 1, 1 }, value = 1 }
d = d:conv2d { name = "ones", out_channels = 4, kernel_size = 3 }
local e = d:pad { pad = { 1, 1, 1, 1 }, mode = "reflect" }
e = e:conv2d { name = "refl", out_channels = 4, kernel_size = 3 }
local f = e:pad { pad = { 1, -1, 1, 1 } }
f = f:conv2d { name = "crop", out_channels = 4, kernel_size = 3 }
local g = f:pad { pad = { 1, 1, 1, 1 } }
return g:conv2d { name = "twice", out_channels = 4, kernel_size = 3 } + g:max_pool2d { kernel_size = 3, stride = 1 }
-- expect:
-- # after fold_pad
-- # model fold_pad (tests/passes/fold_pad.lua): 17 nodes, input %0, output %16
-- %0 = input name=x : 1x3x9x11  # line 7
-- %1 = pad %0 name=pad_1 pads={2,2,1,1} mode=constant dead : 1x3x11x15  # line 8
-- %2 = conv2d %0 name=sym out_channels=4 kernel=3x3 stride=1x1 pad=2x2 bias : 1x4x11x13  # line 9
-- %3 = pad %2 name=pad_3 pads={1,1} mode=constant dead : 1x4x11x15  # line 10
-- %4 = conv2d %2 name=two out_channels=4 kernel=3x3 stride=1x1 pad=0x1 bias : 1x4x9x13  # line 11
-- %5 = pad %4 name=pad_5 pads={0,1,1,0} mode=constant : 1x4x10x14  # line 12
-- %6 = conv2d %5 name=asym out_channels=4 kernel=3x3 stride=2x2 bias : 1x4x4x6  # line 13
-- %7 = pad %6 name=pad_7 pads={1,1,1,1} mode=constant value=1 : 1x4x6x8  # line 14
-- %8 = conv2d %7 name=ones out_channels=4 kernel=3x3 stride=1x1 bias : 1x4x4x6  # line 15
-- %9 = pad %8 name=pad_9 pads={1,1,1,1} mode=reflect : 1x4x6x8  # line 16
-- %10 = conv2d %9 name=refl out_channels=4 kernel=3x3 stride=1x1 bias : 1x4x4x6  # line 17
-- %11 = pad %10 name=pad_11 pads={1,-1,1,1} mode=constant : 1x4x6x6  # line 18
-- %12 = conv2d %11 name=crop out_channels=4 kernel=3x3 stride=1x1 bias : 1x4x4x4  # line 19
-- %13 = pad %12 name=pad_13 pads={1,1,1,1} mode=constant : 1x4x6x6  # line 20
-- %14 = conv2d %13 name=twice out_channels=4 kernel=3x3 stride=1x1 bias : 1x4x4x4  # line 21
-- %15 = max_pool2d %13 name=max_pool2d_15 kernel=3x3 stride=1x1 : 1x4x4x4  # line 21
-- %16 = add %14, %15 name=add_16 : 1x4x4x4  # line 21
