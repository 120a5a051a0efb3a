-- Stresses: swap_resize, a 1x1 conv after an interpolate computed before
-- it (13 -> 3 channels, then the 3 resized), on odd sizes: bilinear by a
-- non-integer scale (1.7: 9x11 -> 15x18), bilinear with align_corners to
-- a size, nearest to a size of non-integer ratio, bilinear by {1.5, 2.3}
-- ahead of two 1x1 convs (13 -> 7 -> 3: it moves past both). Left as
-- written: a conv a relu follows, one that widens (3 -> 5), an
-- interpolate two convs read. Batch 1, 13x9x11. PyTorch twin: SwapResize
-- in tests/golden/nets.py.

local x = input { name = "x", shape = { 1, 13, 9, 11 } }
local a = x:interpolate { scale_factor = 1.7, mode = "bilinear" }
a = a:conv2d { name = "a", out_channels = 3, kernel_size = 1 }                                 -- 3x15x18
local b = x:interpolate { size = { 17, 21 }, mode = "bilinear", align_corners = true }
b = b:conv2d { name = "b", out_channels = 3, kernel_size = 1 }                                 -- 3x17x21
local c = x:interpolate { size = { 20, 23 } }
c = c:conv2d { name = "c", out_channels = 3, kernel_size = 1 }                                 -- 3x20x23
local d = x:interpolate { scale_factor = { 1.5, 2.3 }, mode = "bilinear" }
d = d:conv2d { name = "d1", out_channels = 7, kernel_size = 1 }
d = d:conv2d { name = "d2", out_channels = 3, kernel_size = 1 }                                -- 3x13x25
local e = x:interpolate { size = { 17, 21 }, mode = "bilinear" }
e = e:conv2d { name = "e", out_channels = 3, kernel_size = 1 }:relu()                          -- 3x17x21
local f = a:interpolate { size = { 17, 21 }, mode = "bilinear" }
f = f:conv2d { name = "f", out_channels = 5, kernel_size = 1 }                                 -- 5x17x21
local g = x:interpolate { size = { 17, 21 } }
g = g:conv2d { name = "g1", out_channels = 3, kernel_size = 1 }
    + g:conv2d { name = "g2", out_channels = 3, kernel_size = 1 }                              -- 3x17x21
local function to17x21(t)
	return t:interpolate { size = { 17, 21 } }
end
return concat { to17x21(a), b, to17x21(c), to17x21(d), e, f, g }                               -- 23x17x21
