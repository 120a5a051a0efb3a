-- expect: tests/diag/two_inputs.lua:3: error: input: a model has one input; another was declared at line 2
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local z = input { name = "mask", shape = { 1, 1, 8, 8 } }
return add(x, z)
