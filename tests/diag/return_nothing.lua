-- expect: tests/diag/return_nothing.lua: error: the model must return its output tensor, but returned nothing
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local y = x:relu()
