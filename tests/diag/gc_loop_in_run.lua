-- expect: tests/diag/gc_loop_in_run.lua:4: error: setmetatable: __gc metamethods are not allowed in model files
-- The same, with the model still running afterwards.
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
setmetatable({}, { __gc = function() while true do end end })
local t = {}
for i = 1, 1000000 do t[i % 100] = {} end
return x
