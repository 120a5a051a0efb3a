-- expect: tests/diag/binary_two_numbers.lua:3: error: mul: at least one operand must be a tensor, got two numbers
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local y = mul(2, 3)
return x
