-- expect: tests/diag/split_sum.lua:4: error: split: the sizes in split_size_or_sections add up to 5, but dim 1 has 6; they must add up to it exactly
-- torch.split(x, [2, 3], dim=1) of 6 channels raises as well
local x = input { name = "image", shape = { 1, 6, 8, 8 } }
local a, b = split(x, { split_size_or_sections = { 2, 3 } })
return a
