-- expect: tests/diag/shape_index_zero.lua:4: error: a shape has no dim [0]: its dims are [1] to [4] (Lua lists start at 1)
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
-- 0-based, as in Python: an error here, not a nil compared lines later
local c = x.shape[0]
return x:relu()
