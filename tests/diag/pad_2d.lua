-- expect: tests/diag/pad_2d.lua:4: error: pad: input must be 4-D (N x C x H x W), got 1x30
local x = input { name = "x", shape = { 1, 30 } }
-- only N x C x H x W is padded
return x:pad { pad = { 1, 1 } }
