-- expect: tests/diag/chunk_zero.lua:4: error: chunk: option 'chunks' must be an integer from 1 to 16777216, got number 0
-- torch.chunk(x, 0) raises too: "chunk expects `chunks` to be greater than 0"
local x = input { name = "image", shape = { 1, 6, 8, 8 } }
local a, b = x:chunk { chunks = 0 }
return a
