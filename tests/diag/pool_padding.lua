-- expect: tests/diag/pool_padding.lua:3: error: max_pool2d: padding (2) must be at most half the kernel size (3)
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local y = x:max_pool2d { kernel_size = 3, stride = 1, padding = 2 }
return y
