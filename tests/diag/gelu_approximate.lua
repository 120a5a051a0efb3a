-- expect: tests/diag/gelu_approximate.lua:4: error: gelu: option 'approximate' must be "none" or "tanh", got string foo
local x = input { name = "image", shape = { 1, 3, 5, 7 } }
-- approximate takes PyTorch's two strings, nothing else
return x:gelu { approximate = "foo" }
