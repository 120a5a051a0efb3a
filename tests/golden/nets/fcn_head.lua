-- Stresses: a segmentation net in the manner of FCN: a strided encoder,
-- 1x1 class scores at two scales, the coarse ones upsampled 2x by a
-- conv_transpose2d (4x4, stride 2, padding 1, no bias, then a batch norm
-- that folds into it above -O0), cropped by a
-- negative pad to the finer scores and added, then upsampled again
-- (output_padding 1) and cropped to the input's odd size. Batch 1,
-- 3x33x41, 5 classes. PyTorch twin: FcnHead in tests/golden/nets.py.

local x = input { name = "x", shape = { 1, 3, 33, 41 } }
local f1 = x:conv2d { name = "enc1", out_channels = 13, kernel_size = 3, stride = 2, padding = 1 }:relu() -- 13x17x21
local f2 = f1:conv2d { name = "enc2", out_channels = 37, kernel_size = 3, stride = 2, padding = 1 }       -- 37x9x11
f2 = f2:batch_norm { name = "bn2" }:relu()
local s2 = f2:conv2d { name = "score2", out_channels = 5, kernel_size = 1 }                               -- 5x9x11
local s1 = f1:conv2d { name = "score1", out_channels = 5, kernel_size = 1 }                               -- 5x17x21
local up = s2:conv_transpose2d { name = "up2", out_channels = 5, kernel_size = 4, stride = 2, padding = 1,
                                 bias = false }                                                           -- 5x18x22
up = up:batch_norm { name = "bn_up" }
local y = up:pad { pad = { 0, -1, 0, -1 } } + s1                                                          -- 5x17x21
y = y:conv_transpose2d { name = "up1", out_channels = 5, kernel_size = 4, stride = 2, padding = 1,
                         output_padding = 1 }                                                             -- 5x35x43
return y:pad { pad = { -1, -1, -1, -1 } }                                                                  -- 5x33x41
