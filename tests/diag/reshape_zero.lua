-- expect: tests/diag/reshape_zero.lua:3: error: reshape: shape {1, 0, -1} has 0; each entry must be at least 1, or -1 (inferred)
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
return x:reshape { shape = { 1, 0, -1 } }
