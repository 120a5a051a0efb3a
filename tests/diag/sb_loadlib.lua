-- expect: tests/diag/sb_loadlib.lua:4: error: attempt to call a nil value (local 'loadlib')
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local loadlib = rawget(_G, "package") and package.loadlib
loadlib("libc.so.6", "system")
return x
