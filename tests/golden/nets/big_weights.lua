-- Weights too big for cache: a conv whose packed weights pass the 512 KB
-- of runtime/gemm.c's A_CACHED, so rt_gemm_packed reads them panel by
-- panel (rt_gemm_panels_outer): 3x3, stride 2, no padding, on an odd
-- 37x19x37 input, to 397 channels (the last panel has one row) at 9x18
-- (162 pixels: five whole register tiles and one of a single vector),
-- batch norm folded in, then a residual (a 1x1 stride-2 conv of the input,
-- computed first so the big conv takes the add; at 10x19, some of its
-- strips of 16 pixels lie in one row, which im2col's 1x1 path copies with
-- vector shuffles, the others cross rows) and relu6; a small 1x1 to 13
-- channels. Batch 2. PyTorch twin: BigWeights in tests/golden/nets.py.

local x = input { name = "image", shape = { 2, 37, 19, 37 } }
local skip = x:conv2d { name = "skip", out_channels = 397, kernel_size = 1, stride = 2 } -- 397x10x19
skip = skip:max_pool2d { kernel_size = 2, stride = 1 }                                  -- 397x9x18
local y = x:conv2d { name = "conv1", out_channels = 397, kernel_size = 3, stride = 2, bias = false } -- 397x9x18
y = y:batch_norm { name = "bn1" }
y = y:add(skip):relu6()
return y:conv2d { name = "conv2", out_channels = 13, kernel_size = 1 }                  -- 13x9x18
