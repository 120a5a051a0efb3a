-- expect: tests/diag/param_broadcast.lua:4: error: mul: shapes 1x3x8x8 and 1x5x1x1 do not broadcast (dims aligned from the last must be equal or 1; dim 1 of the result: 3 against 5)
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local s = param { name = "layer_scale", shape = { 5, 1, 1 } }
return x * s
