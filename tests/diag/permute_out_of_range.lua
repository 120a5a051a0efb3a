-- expect: tests/diag/permute_out_of_range.lua:3: error: permute: dims {0, 4, 2, 1} is not a permutation of 0..3 (4 is out of range)
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
return x:permute { dims = { 0, 4, 2, 1 } }
