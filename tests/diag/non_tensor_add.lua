-- expect: tests/diag/non_tensor_add.lua:3: error: add: argument 2 must be a tensor or a number, got string
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local y = x:add("1")
return y
