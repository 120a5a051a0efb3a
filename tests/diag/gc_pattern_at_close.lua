-- expect: tests/diag/gc_pattern_at_close.lua:5: error: setmetatable: __gc metamethods are not allowed in model files
-- A finalizer that would run a catastrophic pattern at close, outside every guard.
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local s = string.rep("a", 100000)
setmetatable({}, { __gc = function() s:find(string.rep(".-", 30) .. "b") end })
return x
