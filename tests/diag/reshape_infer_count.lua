-- expect: tests/diag/reshape_infer_count.lua:3: error: reshape: shape {1, 5, -1} cannot hold the input 1x3x8x8: its 192 elements are not a multiple of 5
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
return x:reshape { shape = { 1, 5, -1 } }
