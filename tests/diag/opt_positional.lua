-- expect: tests/diag/opt_positional.lua:3: error: relu: options must be given by name (key = value), got a number key
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local y = x:relu { 1 }
return y
