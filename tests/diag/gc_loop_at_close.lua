-- expect: tests/diag/gc_loop_at_close.lua:4: error: setmetatable: __gc metamethods are not allowed in model files
-- Finalizers run with hooks off and at lua_close: __gc is refused outright.
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
setmetatable({}, { __gc = function() while true do end end })
return x
