-- expect: tests/diag/param_rank.lua:3: error: param: option 'shape' must be an array of 1 to 4 integers from 1 to 16777216, got table
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local s = param { name = "scale", shape = { 1, 3, 1, 1, 1 } }
return x * s
