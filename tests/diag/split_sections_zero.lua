-- expect: tests/diag/split_sections_zero.lua:3: error: split: option 'split_size_or_sections' must be an integer from 1 to 16777216 (the size of each piece), or a list of 1 to 1024 of them (the size of every piece), got table
local x = input { name = "image", shape = { 1, 6, 8, 8 } }
local a, b = x:split { split_size_or_sections = { 6, 0 } }
return a
