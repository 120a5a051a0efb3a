-- expect: tests/diag/pad_mode.lua:4: error: pad: option 'mode' must be "constant", "reflect" or "replicate", got string circular
local x = input { name = "x", shape = { 1, 3, 7, 9 } }
-- "circular" is not one of the modes
return x:pad { pad = { 1, 1, 1, 1 }, mode = "circular" }
