-- expect: tests/diag/setmetatable_shape.lua:7: error: unknown op 'hardswsh' (did you mean 'hardswish'?)
-- A shape list as a metatable: it has no __gc, so setmetatable takes it
-- (it once read the list's "__gc" through the list's own __index, which
-- refuses names: "a shape has no element [__gc]" at line 6).
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local t = setmetatable({}, x.shape)
return x:hardswsh()
