-- Stresses: pad. Zero padding of {2, 2, 1, 1} before a conv (folded into
-- its padding above -O0), an asymmetric zero pad before a conv (kept),
-- a zero pad read by two (kept); reflect and replicate with odd pads on
-- every side, up to the dim minus one (reflect's limit); cropping by
-- negative pads in each mode; a constant pad of another value; the
-- 2-element form {left, right}. Batch 2, 13 channels, 7x9. PyTorch twin:
-- Pad in tests/golden/nets.py.

local x = input { name = "x", shape = { 2, 13, 7, 9 } }
local a = x:pad { pad = { 2, 2, 1, 1 } }                                         -- 13x9x13
a = a:conv2d { name = "conv1", out_channels = 13, kernel_size = 3 }              -- 13x7x11
local b = a:pad { pad = { 8, 1, 3, 6 }, mode = "reflect" }                       -- 13x16x20
b = b:pad { pad = { 1, 3, 2, 0 }, mode = "replicate" }                           -- 13x18x24
b = b:pad { pad = { -1, 2, 1, -2 }, value = 0.5 }                                -- 13x17x25
b = b:pad { pad = { 2, -1, -1, 1 }, mode = "reflect" }                           -- 13x17x26
b = b:pad { pad = { -3, 1, 4, -1 }, mode = "replicate" }                         -- 13x20x24
b = b:pad { pad = { 1, 2 }, value = -1.5 }                                       -- 13x20x27
b = b:pad { pad = { 0, 1, 1, 0 } }                                               -- 13x21x28
b = b:conv2d { name = "conv2", out_channels = 13, kernel_size = 3, stride = 2 }  -- 13x10x13
local c = b:pad { pad = { 1, 1, 1, 1 } }                                         -- 13x12x15
local d = c:conv2d { name = "conv3", out_channels = 13, kernel_size = 3 }        -- 13x10x13
return d + c:avg_pool2d { kernel_size = 3, stride = 1 }
