-- expect: tests/diag/pool_kernel_large.lua:3: error: max_pool2d: kernel height 9 is larger than the padded input 8 (8 + 2*0)
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local y = x:max_pool2d { kernel_size = 9 }
return y
