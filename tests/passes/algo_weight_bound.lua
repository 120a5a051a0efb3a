-- algo: Winograd's cost is the slower of its compute and its weights read
-- from memory (passes/algo.c). 16 -> 16 at 18x14 is compute-bound both
-- ways and runs as Winograd F(4x4). 5 -> 13 at 9x7: F(4x4)'s 8 tiles
-- take 18,720 multiplies (28,080 counted 1.5 each) against 36,855 direct
-- MACs, but its 12,960 B of transformed weights cost 64,800 at 5 MACs a
-- byte (F(2x2): 37,440), so it runs as im2col, where multiplies alone
-- took F(4x4).
-- run: report --dump-ir=algo
local x = input { name = "x", shape = { 1, 16, 18, 14 } }
local big = x:conv2d { name = "big", out_channels = 16, kernel_size = 3, padding = 1 }
local down = big:conv2d { name = "down", out_channels = 5, kernel_size = 1, stride = 2 }
return down:conv2d { name = "few", out_channels = 13, kernel_size = 3, padding = 1 }
-- expect:
-- # after algo
-- # model algo_weight_bound (tests/passes/algo_weight_bound.lua): 4 nodes, input %0, output %3
-- %0 = input name=x : 1x16x18x14  # line 9
-- %1 = conv2d %0 name=big out_channels=16 kernel=3x3 stride=1x1 pad=1x1 bias algo=winograd4 scratch=235776 : 1x16x18x14  # line 10
-- %2 = conv2d %1 name=down out_channels=5 kernel=1x1 stride=2x2 bias algo=im2col scratch=4096 : 1x5x9x7  # line 11
-- %3 = conv2d %2 name=few out_channels=13 kernel=3x3 stride=1x1 pad=1x1 bias algo=im2col scratch=11520 : 1x13x9x7  # line 12
