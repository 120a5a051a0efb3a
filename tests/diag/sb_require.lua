-- expect: tests/diag/sb_require.lua:3: error: attempt to call a nil value (global 'require')
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local m = require("io")
return x
