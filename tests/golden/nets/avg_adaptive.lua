-- Stresses: adaptive_avg_pool2d with non-dividing sizes (11x9 -> 4x3) and
-- with an int output_size (4x3 -> 2x2); avg pools with padding 1 and
-- stride 3, with and without count_include_pad; concat of two inputs; odd
-- input 21x17 through a stride-2 conv; flatten of a 2x2 map into linear.
-- PyTorch twin: AvgAdaptive in tests/golden/nets.py.

local x = input { name = "x", shape = { 1, 3, 21, 17 } }
x = x:conv2d { name = "conv1", out_channels = 13, kernel_size = 3, stride = 2, padding = 1 }  -- 13x11x9
x = x:relu()
local a = x:adaptive_avg_pool2d { output_size = { 4, 3 } }                                   -- 13x4x3
local b = x:avg_pool2d { kernel_size = 3, stride = 3, padding = 1, count_include_pad = false } -- 13x4x3
local c = x:avg_pool2d { kernel_size = 3, stride = 3, padding = 1 }                          -- 13x4x3
x = concat { a:add(b), c }                                                                   -- 26x4x3
x = x:conv2d { name = "conv2", out_channels = 7, kernel_size = 1 }
x = x:adaptive_avg_pool2d { output_size = 2 }                                                -- 7x2x2
x = x:flatten()                                                                              -- 28
return x:linear { name = "fc", out_features = 10 }
