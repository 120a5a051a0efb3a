-- expect: tests/diag/pcall_second_input.lua:4: error: input: a model has one input; another was declared at line 3
-- The same for a second input declared under pcall.
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local ok = pcall(input, { name = "mask", shape = { 1, 1, 8, 8 } })
return x
