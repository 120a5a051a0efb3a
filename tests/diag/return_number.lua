-- expect: tests/diag/return_number.lua: error: the model must return its output tensor, but returned number
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local y = x:relu()
return 42
