-- expect: tests/diag/sb_package.lua:3: error: attempt to index a nil value (global 'package')
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local p = package.path
return x
