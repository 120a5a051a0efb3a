-- Stresses: interpolate, both modes, every way PyTorch computes its
-- source indices. Nearest by scale_factor 2 (PyTorch's d >> 1 shortcut),
-- to a size of non-integer ratio, by {1.5, 1.7} (13 * 1.7 = 22.1: the
-- scale is 1 / 1.7, not 13 / 22); bilinear by 1.3 the same way, to a size
-- (align_corners false: half-pixel centers, clamped at 0), by scale
-- factors {1.5, 0.7} with align_corners (the factor is then ignored:
-- (in - 1) / (out - 1)), a downsampling, a 1 x 1 output with
-- align_corners (scale 0), one axis kept (a copy); batch 2, 13 channels,
-- odd sizes. PyTorch twin: Resize in tests/golden/nets.py.

local x = input { name = "x", shape = { 2, 3, 7, 9 } }
x = x:conv2d { name = "conv1", out_channels = 13, kernel_size = 3, padding = 1 }               -- 13x7x9
x = x:interpolate { scale_factor = 2 }                                                      -- 13x14x18
x = x:conv2d { name = "conv2", out_channels = 13, kernel_size = 3 }                          -- 13x12x16
x = x:interpolate { size = { 17, 23 }, mode = "bilinear" }                                  -- 13x17x23
x = x:interpolate { scale_factor = { 1.5, 0.7 }, mode = "bilinear", align_corners = true }   -- 13x25x16
x = x:interpolate { size = { 10, 13 } }                                                     -- 13x10x13
x = x:interpolate { scale_factor = { 1.5, 1.7 }, mode = "nearest" }                        -- 13x15x22
x = x:interpolate { scale_factor = 1.3, mode = "bilinear" }                                 -- 13x19x28
local g = x:interpolate { size = 1, mode = "bilinear", align_corners = true }              -- 13x1x1
x = x:interpolate { size = { 4, 28 }, mode = "bilinear" }                                   -- 13x4x28: W kept
x = x + g:interpolate { size = { 4, 28 } }
return x:flatten():linear { name = "fc", out_features = 10 }
