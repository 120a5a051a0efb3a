-- expect: tests/diag/sb_debug.lua:3: error: attempt to index a nil value (global 'debug')
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local mt = debug.getmetatable(x)
return x
