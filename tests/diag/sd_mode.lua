-- expect: tests/diag/sd_mode.lua:3: error: stochastic_depth: option 'mode' must be "row" or "batch", got string rows
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
return x:stochastic_depth { p = 0.2, mode = "rows" }
