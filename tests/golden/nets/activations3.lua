-- Stresses: gelu (both ways), hardtanh and prelu, each where its formula
-- turns: gelu on the input itself (elementwise; the program must not
-- clobber its input); gelu "tanh" fused into a 3x3 conv to 37 channels;
-- hardtanh with an off-center range fused into a depthwise conv with
-- stride 2; prelu with a slope per channel (13) after a 1x1 conv (not
-- fused: its own pass); gelu fused into a grouped conv with stride 2;
-- hardtanh at its defaults after it (elementwise); prelu with one slope
-- after a ceil_mode max pool, then hardtanh(0, 6) (relu6 to constfold);
-- gelu "tanh" and a per-feature prelu after a linear. 1x13x9x11 in, 10
-- out. PyTorch twin: Activations3 in tests/golden/nets.py.

local x = input { name = "x", shape = { 1, 13, 9, 11 } }
x = x:gelu()
x = x:conv2d { name = "conv1", out_channels = 37, kernel_size = 3, padding = 1 }          -- 37x9x11
x = x:gelu { approximate = "tanh" }
x = x:conv2d { name = "conv2", out_channels = 37, kernel_size = 3, stride = 2, padding = 1,
               groups = 37 }                                                              -- 37x5x6
x = x:hardtanh { min_val = -0.5, max_val = 2 }
x = x:conv2d { name = "conv3", out_channels = 13, kernel_size = 1 }                       -- 13x5x6
x = x:prelu { name = "act3", num_parameters = 13 }
x = x:conv2d { name = "conv4", out_channels = 26, kernel_size = 3, stride = 2, padding = 1,
               groups = 13 }                                                              -- 26x3x3
x = gelu(x)
x = hardtanh(x)
x = x:max_pool2d { kernel_size = 2, ceil_mode = true }                                    -- 26x2x2
x = x:prelu { name = "act5" }
x = x:hardtanh { min_val = 0, max_val = 6 }
x = x:flatten()                                                                           -- 104
x = x:linear { name = "fc1", out_features = 17 }
x = x:gelu { approximate = "tanh" }
x = x:prelu { name = "act6", num_parameters = 17 }
return x:linear { name = "fc2", out_features = 10 }
