-- expect: tests/diag/zero_stride.lua:3: error: avg_pool2d: option 'stride' must be an integer from 1 to 16777216, or a {h, w} pair of them, got number 0
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local y = x:avg_pool2d { kernel_size = 2, stride = 0 }
return y
