-- Stresses: prelu fused into every conv and linear epilogue (passes/fuse.c:
-- leaky_relu's formula with a slope per output channel), one slope and one
-- per channel, each kind of layer the fuse pass can put it in: the stem
-- (3 input channels, stride 2); a 3x3 conv with a batch norm folded
-- (GEMM, Winograd with --algo winograd); depthwise 3x3 stride 1, 3x3
-- stride 2 and 5x5 (the depthwise paths, NCHW and chunked); a 1x1 conv;
-- a 3x3 conv with a residual added before the prelu; a grouped conv with
-- stride 2 (the slopes offset by group); a grouped conv_transpose2d with
-- output_padding; two linears (per feature, then one slope), the last the
-- output. 1x3x13x15 in, 10 out. PyTorch twin: PreluFused in
-- tests/golden/nets.py.

local x = input { name = "x", shape = { 1, 3, 13, 15 } }
x = x:conv2d { name = "c1", out_channels = 13, kernel_size = 3, stride = 2, padding = 1 }  -- 13x7x8
x = x:prelu { name = "a1", num_parameters = 13 }
x = x:conv2d { name = "c2", out_channels = 37, kernel_size = 3, padding = 1, bias = false } -- 37x7x8
x = x:batch_norm { name = "bn2" }
x = x:prelu { name = "a2" }
x = x:conv2d { name = "c3", out_channels = 37, kernel_size = 3, padding = 1, groups = 37 }  -- 37x7x8
x = x:prelu { name = "a3", num_parameters = 37 }
x = x:conv2d { name = "c4", out_channels = 37, kernel_size = 3, stride = 2, padding = 1,
               groups = 37 }                                                             -- 37x4x4
x = x:prelu { name = "a4", num_parameters = 37 }
x = x:conv2d { name = "c5", out_channels = 37, kernel_size = 5, padding = 2, groups = 37 }  -- 37x4x4
x = x:prelu { name = "a5" }
x = x:conv2d { name = "c6", out_channels = 13, kernel_size = 1 }                           -- 13x4x4
x = x:prelu { name = "a6", num_parameters = 13 }
local r = x:conv2d { name = "c7", out_channels = 13, kernel_size = 3, padding = 1 }
x = (r + x):prelu { name = "a7", num_parameters = 13 }                                     -- 13x4x4
x = x:conv2d { name = "c8", out_channels = 26, kernel_size = 3, stride = 2, padding = 1,
               groups = 13 }                                                             -- 26x2x2
x = x:prelu { name = "a8", num_parameters = 26 }
x = x:conv_transpose2d { name = "t9", out_channels = 13, kernel_size = 3, stride = 2, padding = 1,
                         output_padding = 1, groups = 13 }                               -- 13x4x4
x = x:prelu { name = "a9", num_parameters = 13 }
x = x:flatten()                                                                          -- 208
x = x:linear { name = "fc1", out_features = 17 }
x = x:prelu { name = "a10", num_parameters = 17 }
x = x:linear { name = "fc2", out_features = 10 }
return x:prelu { name = "a11" }
