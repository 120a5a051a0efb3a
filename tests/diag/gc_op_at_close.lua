-- expect: tests/diag/gc_op_at_close.lua:5: error: setmetatable: __gc metamethods are not allowed in model files
-- A finalizer that would call an op at close.
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
-- the finalizer's error is swallowed as a warning; its half-built node stays
setmetatable({}, { __gc = function() input { name = "again", shape = { 1, 3, 8, 8 } } end })
return x:relu()
