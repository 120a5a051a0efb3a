-- The chapter's exercise 3: a CIFAR-10 classifier on 3x32x32 images.
-- Three blocks of two 3x3 convs (64, 128, 256 channels, with bias), each
-- followed by relu, a 2x2 max pool between blocks, then global average
-- pooling and one linear layer to 10 classes. Names follow the PyTorch
-- module Cifar10 in tests/zoo/nets.py (blockK is an nn.Sequential:
-- .0 conv, .1 relu, .2 conv, .3 relu).
--
-- Parameters: 38,720 + 221,440 + 885,248 + 2,570 = 1,147,978, the
-- chapter's figure (the exercise has no batch norm).

-- Two conv + relu layers, named like a Sequential.
local function block(x, name, channels)
	for i = 0, 2, 2 do
		x = x:conv2d { name = name .. "." .. i, out_channels = channels, kernel_size = 3, padding = 1 }
		x = x:relu { name = name .. "." .. (i + 1) }
	end
	return x
end

local x = input { name = "image", shape = { 1, 3, 32, 32 } }
x = block(x, "block1", 64)                          -- 64x32x32
x = x:max_pool2d { name = "pool1", kernel_size = 2 }
x = block(x, "block2", 128)                         -- 128x16x16
x = x:max_pool2d { name = "pool2", kernel_size = 2 }
x = block(x, "block3", 256)                         -- 256x8x8
x = x:global_avg_pool { name = "pool" }             -- 256x1x1
return x:flatten():linear { name = "fc", out_features = 10 }
