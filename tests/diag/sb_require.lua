-- expect: tests/diag/sb_require.lua:3: error: unknown op or function 'require' (a model sees the ops and Lua's base, string, table, math and utf8 libraries only)
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local m = require("io")
return x
