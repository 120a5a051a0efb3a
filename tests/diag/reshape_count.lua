-- expect: tests/diag/reshape_count.lua:3: error: reshape: shape {1, 3, 8, 9} has 216 elements, but the input 1x3x8x8 has 192
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
return x:reshape { shape = { 1, 3, 8, 9 } }
