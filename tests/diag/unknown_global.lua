-- expect: tests/diag/unknown_global.lua:4: error: unknown op 'relu7' (did you mean 'relu' or 'relu6'?)
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
-- a misspelt op called as a global: every op at the nearest distance
local y = relu7(x)
return y
