-- expect: tests/diag/sb_loadfile.lua:3: error: attempt to call a nil value (global 'loadfile')
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local f = loadfile("/etc/passwd")
return x
