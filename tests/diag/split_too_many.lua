-- expect: tests/diag/split_too_many.lua:3: error: split: 2000 pieces is too many (at most 1024)
local x = input { name = "image", shape = { 1, 2000, 1, 1 } }
local pieces = { x:split { split_size_or_sections = 1 } }
return pieces[1]
