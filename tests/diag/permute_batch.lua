-- expect: tests/diag/permute_batch.lua:3: error: permute: dims {1, 0, 2, 3} moves the batch (dim 0); it must stay first
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
return x:permute { dims = { 1, 0, 2, 3 } }
