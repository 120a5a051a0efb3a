-- expect: tests/diag/layer_norm_shape.lua:3: error: layer_norm: normalized_shape {9, 8} must be the input's last 2 dims (input 1x3x8x9: {8, 9})
local x = input { name = "image", shape = { 1, 3, 8, 9 } }
return x:layer_norm { name = "ln", normalized_shape = { 9, 8 } }
