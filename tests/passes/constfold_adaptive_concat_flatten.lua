-- constfold: an adaptive pool to its input's own size, a concat of one
-- tensor and a flatten of an N x F tensor are the identity; the first
-- flatten computes.
-- run: report --dump-ir=constfold
local x = input { name = "x", shape = { 2, 4, 5, 6 } }
local c = x:conv2d { name = "conv", out_channels = 4, kernel_size = 3, padding = 1 }
local a = c:adaptive_avg_pool2d { output_size = { 5, 6 } }
local cat = concat { a }
local f = cat:flatten()
local f2 = f:flatten()
return f2:linear { name = "fc", out_features = 3 }
-- expect:
-- # after constfold
-- # model constfold_adaptive_concat_flatten (tests/passes/constfold_adaptive_concat_flatten.lua): 7 nodes, input %0, output %6
-- %0 = input name=x : 2x4x5x6  # line 5
-- %1 = conv2d %0 name=conv out_channels=4 kernel=3x3 stride=1x1 pad=1x1 bias : 2x4x5x6  # line 6
-- %2 = adaptive_avg_pool2d %1 name=adaptive_avg_pool2d_2 out_size=5x6 dead : 2x4x5x6  # line 7
-- %3 = concat %1 name=concat_3 dead : 2x4x5x6  # line 8
-- %4 = flatten %1 name=flatten_4 : 2x120  # line 9
-- %5 = flatten %4 name=flatten_5 dead : 2x120  # line 10
-- %6 = linear %4 name=fc out_features=3 bias : 2x3  # line 11
