-- AlexNet (Krizhevsky et al., 2012, in the single-GPU form of Krizhevsky,
-- "One weird trick for parallelizing convolutional neural networks", 2014),
-- transcribed from torchvision 0.14 (torchvision/models/alexnet.py). Layers
-- are named by their index in torchvision's `features` and `classifier`
-- Sequentials, as in its state_dict ("features.0", ..., "classifier.6").
-- 61,100,840 params, 714,188,480 MACs at 224x224.

local x = input { name = "image", shape = { 1, 3, 224, 224 } }
x = x:conv2d { name = "features.0", out_channels = 64, kernel_size = 11, stride = 4, padding = 2 } -- 64x55x55
     :relu { name = "features.1" }
     :max_pool2d { name = "features.2", kernel_size = 3, stride = 2 } -- 64x27x27
x = x:conv2d { name = "features.3", out_channels = 192, kernel_size = 5, padding = 2 } -- 192x27x27
     :relu { name = "features.4" }
     :max_pool2d { name = "features.5", kernel_size = 3, stride = 2 } -- 192x13x13
x = x:conv2d { name = "features.6", out_channels = 384, kernel_size = 3, padding = 1 } -- 384x13x13
     :relu { name = "features.7" }
x = x:conv2d { name = "features.8", out_channels = 256, kernel_size = 3, padding = 1 } -- 256x13x13
     :relu { name = "features.9" }
x = x:conv2d { name = "features.10", out_channels = 256, kernel_size = 3, padding = 1 } -- 256x13x13
     :relu { name = "features.11" }
     :max_pool2d { name = "features.12", kernel_size = 3, stride = 2 } -- 256x6x6

-- At 224x224 the adaptive pool to 6x6 is the identity (the optimizer
-- removes it); it is kept so other input sizes pool as torchvision does.
-- torch.flatten(x, 1) is flatten.
return x:adaptive_avg_pool2d { name = "avgpool", output_size = 6 }
        :flatten()
        :dropout { name = "classifier.0", p = 0.5 }
        :linear { name = "classifier.1", out_features = 4096 }
        :relu { name = "classifier.2" }
        :dropout { name = "classifier.3", p = 0.5 }
        :linear { name = "classifier.4", out_features = 4096 }
        :relu { name = "classifier.5" }
        :linear { name = "classifier.6", out_features = 1000 }
