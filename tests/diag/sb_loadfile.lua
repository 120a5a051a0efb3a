-- expect: tests/diag/sb_loadfile.lua:3: error: unknown op or function 'loadfile' (a model sees the ops and Lua's base, string, table, math and utf8 libraries only)
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local f = loadfile("/etc/passwd")
return x
