-- expect: tests/diag/sb_dofile.lua:3: error: unknown op or function 'dofile' (a model sees the ops and Lua's base, string, table, math and utf8 libraries only)
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
dofile("/etc/passwd")
return x
