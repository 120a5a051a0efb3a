-- expect: tests/diag/sb_string_dump.lua:3: error: attempt to call a nil value (field 'dump')
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local s = string.dump(function() end)
return x
