-- expect: tests/diag/non_tensor.lua:3: error: relu: argument 1 must be a tensor, got table
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local y = relu({ x })
return y
