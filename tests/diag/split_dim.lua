-- expect: tests/diag/split_dim.lua:3: error: split: only dim = 1 (channels) is supported, got dim = -1 of a 4-D tensor
local x = input { name = "image", shape = { 1, 6, 8, 8 } }
local a, b = x:split { split_size_or_sections = 4, dim = -1 }
return a
