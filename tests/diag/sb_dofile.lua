-- expect: tests/diag/sb_dofile.lua:3: error: attempt to call a nil value (global 'dofile')
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
dofile("/etc/passwd")
return x
