-- expect: tests/diag/pool_kernel_large_pad.lua:4: error: avg_pool2d: kernel width 4 is larger than the padded input 3 (1 + 2*1)
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local p = x:adaptive_avg_pool2d { output_size = { 4, 1 } }
local y = p:avg_pool2d { kernel_size = { 1, 4 }, stride = 1, padding = { 0, 1 } }
return y
