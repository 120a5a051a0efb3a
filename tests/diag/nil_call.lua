-- expect: tests/diag/nil_call.lua:3: error: unknown op 'conv3d' (did you mean 'conv2d'?)
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local y = x:conv3d { name = "c1", out_channels = 8, kernel_size = 3 }
return y
