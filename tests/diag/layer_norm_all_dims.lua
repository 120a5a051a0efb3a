-- expect: tests/diag/layer_norm_all_dims.lua:3: error: layer_norm: normalized_shape {1, 3, 8, 9} has 4 dims, but the input 1x3x8x9 has 3 after the batch; it normalizes over trailing dims, never the batch
local x = input { name = "image", shape = { 1, 3, 8, 9 } }
return x:layer_norm { name = "ln", normalized_shape = { 1, 3, 8, 9 } }
