-- expect: tests/diag/chunk_dim.lua:3: error: chunk: only dim = 1 (channels) is supported, got dim = 2 of a 4-D tensor
local x = input { name = "image", shape = { 1, 6, 8, 8 } }
local a, b = x:chunk { chunks = 2, dim = 2 }
return a
