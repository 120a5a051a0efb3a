-- algo: -Os (--prefer size) takes no transform that grows the weights. The
-- 3x3 conv that -O2 runs as Winograd F(4x4) (weights 36/9 = 4x, padded)
-- runs as im2col + GEMM, its weights only padded to panels of 6; the 1x1
-- stays a plain GEMM, as at -O2.
-- run: report -Os --dump-ir=algo
local x = input { name = "x", shape = { 1, 13, 15, 17 } }
local w = x:conv2d { name = "wino", out_channels = 37, kernel_size = 3, padding = 1 }
return w:conv2d { name = "pw", out_channels = 13, kernel_size = 1 }
-- expect:
-- # after algo
-- # model algo_size (tests/passes/algo_size.lua): 3 nodes, input %0, output %2
-- %0 = input name=x : 1x13x15x17  # line 6
-- %1 = conv2d %0 name=wino out_channels=37 kernel=3x3 stride=1x1 pad=1x1 bias algo=im2col scratch=119808 : 1x37x15x17  # line 7
-- %2 = conv2d %1 name=pw out_channels=13 kernel=1x1 stride=1x1 bias algo=gemm scratch=37888 : 1x13x15x17  # line 8
