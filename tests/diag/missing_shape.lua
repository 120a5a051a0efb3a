-- expect: tests/diag/missing_shape.lua:2: error: input: missing required option 'shape' (an array of 4 (N, C, H, W) or 2 (N, F) integers from 1 to 16777216)
local x = input { name = "image" }
return x
