-- expect: tests/diag/pad_reflect_large.lua:4: error: pad: reflect padding must be smaller than the padded dim, got top = 7 for height 7
local x = input { name = "x", shape = { 1, 3, 7, 9 } }
-- reflect: each pad must be below its dim (top 7 of height 7)
return x:pad { pad = { 1, 1, 7, 0 }, mode = "reflect" }
