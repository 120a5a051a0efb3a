-- expect: tests/diag/tensor_readonly.lua:3: error: tensors are read-only (tried to set 'shape')
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
x.shape = { 1, 3, 4, 4 }
return x
