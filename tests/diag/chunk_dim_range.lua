-- expect: tests/diag/chunk_dim_range.lua:3: error: chunk: dim 4 is out of range for a 4-D tensor (expected -4..3)
local x = input { name = "image", shape = { 1, 6, 8, 8 } }
local a, b = x:chunk { chunks = 2, dim = 4 }
return a
