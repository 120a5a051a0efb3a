-- fashion_cnn: a small CNN classifying 28x28 grayscale Fashion-MNIST images
-- into 10 classes (0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat,
-- 5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot). Output: logits [N, 10].
--
-- Input: pixel / 255, then (x - 0.2860) / 0.3530 (scripts/fashion/common.py;
-- scripts/fashion/idx2npy.py writes the test set in that form).
--
-- Weights: models/fashion_cnn.safetensors, the state_dict of the PyTorch
-- module in scripts/fashion/common.py, trained by scripts/fashion/train.py
-- (Adam, one-cycle learning rate, fixed seed) on the
-- 60k Fashion-MNIST training images of Debian's dataset-fashion-mnist; the
-- test accuracy and training settings are in models/fashion_cnn.txt.

local x = input { name = "image", shape = { 1, 1, 28, 28 } }

x = x:conv2d { name = "conv1", out_channels = 16, kernel_size = 3, padding = 1, bias = false }
     :batch_norm { name = "bn1" }
     :relu()
     :max_pool2d { kernel_size = 2 }                 -- 16 x 14 x 14

x = x:conv2d { name = "conv2", out_channels = 32, kernel_size = 3, padding = 1, bias = false }
     :batch_norm { name = "bn2" }
     :relu()
     :max_pool2d { kernel_size = 2 }                 -- 32 x 7 x 7

return x:flatten()
        :linear { name = "fc1", out_features = 64 }
        :relu()
        :dropout { name = "dropout", p = 0.3 }
        :linear { name = "fc2", out_features = 10 }
