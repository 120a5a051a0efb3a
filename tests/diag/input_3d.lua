-- expect: tests/diag/input_3d.lua:2: error: input: option 'shape' must be an array of 4 (N, C, H, W) or 2 (N, F) integers from 1 to 16777216, got table
local x = input { name = "image", shape = { 3, 8, 8 } }
return x
