-- expect: tests/diag/opt_float_stride.lua:3: error: max_pool2d: option 'stride' must be an integer from 1 to 16777216, or a {h, w} pair of them, got number 2.5
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local y = x:max_pool2d { kernel_size = 2, stride = 2.5 }
return y
