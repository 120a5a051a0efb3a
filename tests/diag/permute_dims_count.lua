-- expect: tests/diag/permute_dims_count.lua:3: error: permute: dims {0, 2, 1} has 3 entries, but the input 1x3x8x8 has 4 dims; dims must be a permutation of them
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
return x:permute { dims = { 0, 2, 1 } }
