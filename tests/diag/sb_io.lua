-- expect: tests/diag/sb_io.lua:3: error: attempt to index a nil value (global 'io')
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local f = io.open("/etc/passwd")
return x
