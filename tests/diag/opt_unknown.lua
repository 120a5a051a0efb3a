-- expect: tests/diag/opt_unknown.lua:3: error: conv2d: unknown option 'kernel' (expected one of: name, out_channels, kernel_size, stride, padding, dilation, groups, bias)
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local y = x:conv2d { name = "c1", out_channels = 8, kernel = 3 }
return y
