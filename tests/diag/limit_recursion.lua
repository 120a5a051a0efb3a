-- expect: tests/diag/limit_recursion.lua:3: error: stack overflow
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local function f(n) return 1 + f(n + 1) end
f(1)
return x
