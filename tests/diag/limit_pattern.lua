-- expect: tests/diag/limit_pattern.lua: error: model exceeded the time limit (5 s) inside a library call, such as a string pattern that backtracks without end
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local s = string.rep("a", 100000)
local r = s:find(string.rep(".-", 30) .. "b")
return x
