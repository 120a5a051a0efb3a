-- LeNet-5 (LeCun et al., "Gradient-Based Learning Applied to Document
-- Recognition", 1998) in its common modern form: ReLU and max pooling,
-- 1x32x32 input, 10 classes. 61,706 params. The matching PyTorch module is
-- LeNet5 in tests/zoo/nets.py.

local x = input { name = "image", shape = { 1, 1, 32, 32 } }
return x:conv2d { name = "conv1", out_channels = 6, kernel_size = 5 }   -- 6x28x28
        :relu()
        :max_pool2d { kernel_size = 2 }                                   -- 6x14x14
        :conv2d { name = "conv2", out_channels = 16, kernel_size = 5 }  -- 16x10x10
        :relu()
        :max_pool2d { kernel_size = 2 }                                   -- 16x5x5
        :flatten()                                                        -- 400
        :linear { name = "fc1", out_features = 120 }
        :relu()
        :linear { name = "fc2", out_features = 84 }
        :relu()
        :linear { name = "fc3", out_features = 10 }
