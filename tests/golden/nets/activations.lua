-- Stresses: every activation: leaky_relu 0.2 applied to the input itself
-- (the program must not clobber its input), relu, relu6 (weights scaled so
-- values pass 6), sigmoid, tanh, leaky_relu with the default slope 0.01;
-- flatten of a 13x10x6 map; linear, batch norm on 2-D, dropout.
-- PyTorch twin: Activations in tests/golden/nets.py.

local x = input { name = "x", shape = { 1, 7, 10, 6 } }
x = x:leaky_relu { negative_slope = 0.2 }
x = x:conv2d { name = "conv1", out_channels = 13, kernel_size = 3, padding = 1 }
x = x:relu()
x = x:conv2d { name = "conv2", out_channels = 13, kernel_size = 3, padding = 1 }
x = x:relu6()
x = x:conv2d { name = "conv3", out_channels = 13, kernel_size = 3, padding = 1 }
x = x:sigmoid()
x = x:conv2d { name = "conv4", out_channels = 13, kernel_size = 3, padding = 1 }
x = x:tanh()
x = x:conv2d { name = "conv5", out_channels = 13, kernel_size = 3, padding = 1 }
x = x:leaky_relu { negative_slope = 0.2 }
x = x:flatten()                                                                   -- 780
x = x:dropout { p = 0.25 }
x = x:linear { name = "fc1", out_features = 37 }
x = x:batch_norm { name = "bn_fc" }
x = x:leaky_relu()
return x:linear { name = "fc2", out_features = 10 }
