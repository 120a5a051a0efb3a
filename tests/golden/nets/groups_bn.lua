-- Stresses: batch 2; grouped convs (12 -> 24 channels in 3 groups, 24 -> 24
-- in 4 groups with a {3,1} kernel, stride 2, padding {1,0}, a 1x1 in 2 groups
-- at stride {2,3}: im2col's 1x1 path at a stride of 3); depthwise 5x5
-- (groups = channels); batch norm on a 4-D tensor and after a linear layer
-- (2-D); sigmoid, relu6; dropout; softmax at the end. The golden input holds
-- two batches (4 samples) to exercise the driver's batch loop.
-- PyTorch twin: GroupsBn in tests/golden/nets.py.

local x = input { name = "x", shape = { 2, 12, 15, 9 } }
x = x:conv2d { name = "conv1", out_channels = 24, kernel_size = 3, padding = 1, groups = 3, bias = false }
x = x:batch_norm { name = "bn1" }
x = x:relu()                                                                           -- 24x15x9
x = x:conv2d { name = "conv2", out_channels = 24, kernel_size = { 3, 1 }, stride = 2,
               padding = { 1, 0 }, groups = 4 }                                        -- 24x8x5
x = x:sigmoid()
x = x:conv2d { name = "conv2b", out_channels = 24, kernel_size = 1, stride = { 2, 3 }, groups = 2 }  -- 24x4x2
x = x:conv2d { name = "conv3", out_channels = 24, kernel_size = 5, padding = 2, groups = 24, bias = false }
x = x:batch_norm { name = "bn3" }
x = x:relu6()                                                                          -- 24x4x2
x = x:global_avg_pool()                                                                -- 24x1x1
x = x:flatten()                                                                        -- 24
x = x:linear { name = "fc1", out_features = 16 }
x = x:batch_norm { name = "bn_fc" }
x = x:relu()
x = x:dropout { p = 0.3 }
x = x:linear { name = "fc2", out_features = 5 }
return x:softmax()
