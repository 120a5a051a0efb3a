-- expect: tests/diag/huge_weight.lua:4: error: conv2d: weight [1, 16777216, 16777216, 16777216] is too large (at most 2147483647 elements)
-- A weight tensor too large to count: refused before any arithmetic can overflow.
local x = input { name = "image", shape = { 1, 16777216, 1, 1 } }
local y = x:conv2d { name = "c", out_channels = 1, kernel_size = 16777216, padding = 8388608 }
return y
