-- Stresses: the activations after the first five, each across the region
-- where its formula turns: elu 0.5 on the input itself (elementwise, its
-- negative side; the program must not clobber its input); hardswish fused
-- into a 3x3 conv (Winograd-eligible) whose values pass -3 and +3;
-- hardsigmoid fused into a depthwise conv with stride 2; silu into a 1x1
-- conv (GEMM) and mish into a dilated conv plus a residual, both with
-- values far out on either side (mish past softplus's threshold 20);
-- silu again after a ceil_mode max pool (elementwise); elu with its
-- default alpha after a linear. 1x5x11x9 in, 10 out.
-- PyTorch twin: Activations2 in tests/golden/nets.py.

local x = input { name = "x", shape = { 1, 5, 11, 9 } }
x = x:elu { alpha = 0.5 }
x = x:conv2d { name = "conv1", out_channels = 13, kernel_size = 3, padding = 1 }          -- 13x11x9
x = x:hardswish()
x = x:conv2d { name = "conv2", out_channels = 13, kernel_size = 3, stride = 2, padding = 1,
               groups = 13 }                                                              -- 13x6x5
x = x:hardsigmoid()
x = x:conv2d { name = "conv3", out_channels = 11, kernel_size = 1 }                       -- 11x6x5
x = x:silu()
local y = x:conv2d { name = "conv4", out_channels = 11, kernel_size = 3, padding = 2,
                     dilation = 2 }                                                       -- 11x6x5
x = y:add(x)
x = x:mish()
x = x:max_pool2d { kernel_size = 2, ceil_mode = true }                                    -- 11x3x3
x = x:silu()
x = x:flatten()                                                                           -- 99
x = x:linear { name = "fc1", out_features = 17 }
x = x:elu()
return x:linear { name = "fc2", out_features = 10 }
