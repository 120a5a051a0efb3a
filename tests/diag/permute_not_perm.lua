-- expect: tests/diag/permute_not_perm.lua:3: error: permute: dims {0, 2, 2, 1} is not a permutation of 0..3 (2 appears twice)
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
return x:permute { dims = { 0, 2, 2, 1 } }
