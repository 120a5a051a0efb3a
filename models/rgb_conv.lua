-- The chapter's single convolution over an RGB image: 64 filters of 3x3x3
-- with bias, padding 1, on 1x3x224x224. 1,792 params, 86,704,128 MACs.
-- The matching PyTorch module is RgbConv in tests/zoo/nets.py.

local x = input { name = "image", shape = { 1, 3, 224, 224 } }
return x:conv2d { name = "conv", out_channels = 64, kernel_size = 3, padding = 1 }
