-- expect: tests/diag/shape_index_field.lua:4: error: a shape has no element [n] (a string key): it is the list of the tensor's 4 dims, [1] to [4]
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
-- a shape is a plain list: #x.shape is its rank, ipairs walks it
local c = x.shape.n
return x:relu()
