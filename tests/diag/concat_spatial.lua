-- expect: tests/diag/concat_spatial.lua:4: error: concat: input 2 has shape 1x3x4x4, but input 1 has 1x3x8x8; all must match except in channels
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local p = x:max_pool2d { kernel_size = 2 }
local y = concat { x, p }
return y
