-- Stresses constfold (compiler/passes/constfold.c): ops that are the
-- identity given their options (dropout, 1x1 stride-1 max and avg pools,
-- adaptive_avg_pool2d to the input's own size, a one-tensor concat, flatten
-- of an N x F tensor) and relu/relu6 chains, beside ops of the same kinds
-- that compute (a 1x1 pool of stride 2, adaptive pool to another size, a
-- relu still read by an add). Odd sizes: 5 -> 13 -> 7 channels, 11x9.
-- PyTorch twin: Identities in tests/golden/nets.py.

local x = input { name = "x", shape = { 1, 5, 11, 9 } }
x = x:conv2d { name = "conv1", out_channels = 13, kernel_size = 3 }      -- 13x9x7
local r = x:relu()
x = r:relu6()                                            -- relu6(relu(x)) = relu6(x)
x = x:relu()                                             -- relu(relu6(x)): identity
x = x:max_pool2d { kernel_size = 1 }                     -- identity
x = x:avg_pool2d { kernel_size = 1, stride = 1 }         -- identity
x = x:adaptive_avg_pool2d { output_size = { 9, 7 } }     -- identity
x = concat { x }                                         -- identity
x = x:dropout { p = 0.5 }                                -- identity
x = add(x, r)                                            -- the relu is still read
x = x:max_pool2d { kernel_size = 1, stride = 2 }         -- 13x5x4: subsamples
x = x:conv2d { name = "conv2", out_channels = 7, kernel_size = 1 }       -- 7x5x4
x = x:relu6()
x = x:relu6()                                            -- identity
x = x:adaptive_avg_pool2d { output_size = { 2, 3 } }     -- 7x2x3
x = x:flatten()
x = x:flatten()                                          -- identity
return x:linear { name = "fc", out_features = 6 }
