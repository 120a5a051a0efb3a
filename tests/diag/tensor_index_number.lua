-- expect: tests/diag/tensor_index_number.lua:4: error: a tensor has no element [1] (a number key): it has the fields shape and name, and the ops as methods (x:relu())
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
-- a tensor is not an array: an error here, not a nil that surfaces later
local c = x[1]
return x:relu()
