-- expect: tests/diag/unknown_method.lua:4: error: unknown op 'hardswishh' (did you mean 'hardswish'?)
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
-- a misspelt op: named, with the nearest ops, not Lua's "attempt to call a nil value"
local y = x:hardswishh()
return y
