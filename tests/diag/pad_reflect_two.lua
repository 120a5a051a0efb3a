-- expect: tests/diag/pad_reflect_two.lua:4: error: pad: mode "reflect" of a 4-D input needs all 4 pads {left, right, top, bottom}, as PyTorch does
local x = input { name = "x", shape = { 1, 3, 7, 9 } }
-- reflect of a 4-D input needs all four pads, as PyTorch
return x:pad { pad = { 1, 1 }, mode = "reflect" }
