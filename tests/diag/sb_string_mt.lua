-- expect: tests/diag/sb_string_mt.lua:5: error: attempt to index a nil value (field 'io')
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local smt = getmetatable("")
smt.__index = _G -- reach hidden globals through string methods
local open = ("x").io.open
return x
