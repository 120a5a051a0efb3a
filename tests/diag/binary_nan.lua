-- expect: tests/diag/binary_nan.lua:3: error: div: a number operand must be one a float can hold (|x| <= 3.4e38), got 1e+300
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
return x / 1e300
