-- constfold: pools that compute stay: a 1x1 window of stride 2
-- (subsamples), a 1x2 window, an adaptive pool to another size; only the
-- 1x1 stride-1 pool between them goes.
-- run: report --dump-ir=constfold
local x = input { name = "x", shape = { 1, 3, 9, 7 } }
local s2 = x:max_pool2d { kernel_size = 1, stride = 2 }
local p1 = s2:max_pool2d { kernel_size = 1 }
local w2 = p1:avg_pool2d { kernel_size = { 1, 2 }, stride = 1 }
return w2:adaptive_avg_pool2d { output_size = { 2, 3 } }
-- expect:
-- # after constfold
-- # model constfold_pools_that_compute (tests/passes/constfold_pools_that_compute.lua): 5 nodes, input %0, output %4
-- %0 = input name=x : 1x3x9x7  # line 5
-- %1 = max_pool2d %0 name=max_pool2d_1 kernel=1x1 stride=2x2 : 1x3x5x4  # line 6
-- %2 = max_pool2d %1 name=max_pool2d_2 kernel=1x1 stride=1x1 dead : 1x3x5x4  # line 7
-- %3 = avg_pool2d %1 name=avg_pool2d_3 kernel=1x2 stride=1x1 : 1x3x5x3  # line 8
-- %4 = adaptive_avg_pool2d %3 name=adaptive_avg_pool2d_4 out_size=2x3 : 1x3x2x3  # line 9
