-- expect: tests/diag/sb_tensor_getmt.lua:4: error: attempt to call a nil value (field '__newindex')
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local mt = getmetatable(x) -- the string "locked", not the real metatable
mt.__newindex(x, "shape", {})
return x
