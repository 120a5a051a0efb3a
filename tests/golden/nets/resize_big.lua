-- Stresses: interpolate's row buffers and column tiles (resize.c):
-- bilinear up by 8 with align_corners false (lraspp's last layer: each
-- input row read by eight output rows) to 1031 columns (two tiles of
-- 1024); down with align_corners true to odd sizes (each output row its
-- own input rows); up by an odd factor 2.7 both ways; nearest by {1.3,
-- 1.13}; bilinear with the rows kept (each output row one input row, the
-- columns blended). 13 channels, odd sizes. 1x3x5x7 in, 13x27x47 out.
-- PyTorch twin: ResizeBig in tests/golden/nets.py.

local x = input { name = "x", shape = { 1, 3, 5, 7 } }
x = x:conv2d { name = "conv", out_channels = 13, kernel_size = 1 }                                -- 13x5x7
x = x:interpolate { size = { 40, 1031 }, mode = "bilinear" }                                     -- 13x40x1031
x = x:interpolate { size = { 9, 13 }, mode = "bilinear", align_corners = true }                  -- 13x9x13
x = x:interpolate { scale_factor = 2.7, mode = "bilinear" }                                      -- 13x24x35
x = x:interpolate { scale_factor = { 0.9, 2.7 }, mode = "bilinear", align_corners = true }       -- 13x21x94
x = x:interpolate { scale_factor = { 1.3, 1.13 }, mode = "nearest" }                             -- 13x27x106
return x:interpolate { size = { 27, 47 }, mode = "bilinear" }                                    -- 13x27x47: H kept
