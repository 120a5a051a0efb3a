-- Inception v3 (Szegedy et al., "Rethinking the Inception Architecture for
-- Computer Vision", 2015), transcribed from torchvision 0.14
-- (torchvision/models/inception.py) as it runs at inference on 3x299x299:
-- no auxiliary head (AuxLogits runs only in training; build the PyTorch
-- model with aux_logits=False for a state_dict without its keys, or let
-- cnnc note them as unused) and transform_input=False. With its
-- IMAGENET1K_V1 weights torchvision turns transform_input on: channel c of
-- the input becomes x * (std[c] / 0.5) + (mean[c] - 0.5) / 0.5 (mean 0.485,
-- 0.456, 0.406, std 0.229, 0.224, 0.225) before the first conv; give this
-- model its input so transformed. Layer names are the torchvision
-- state_dict prefixes ("Conv2d_1a_3x3.conv", "Mixed_6b.branch7x7_2.bn",
-- ..., "fc").
-- 23,834,568 params, 5,713,216,096 MACs at 299x299.

-- BasicConv2d: conv without bias, batch norm (eps 0.001), relu.
-- kernel_size and padding are an integer or an {h, w} pair (1x7, 7x1, ...).
local function basic_conv(x, name, out_channels, kernel_size, stride, padding)
	return x:conv2d { name = name .. ".conv", out_channels = out_channels, kernel_size = kernel_size,
	                  stride = stride or 1, padding = padding or 0, bias = false }
	        :batch_norm { name = name .. ".bn", eps = 0.001 }
	        :relu()
end

-- The pool branch of InceptionA, C and E: F.avg_pool2d(x, 3, stride=1,
-- padding=1) (count_include_pad, PyTorch's default), then a 1x1 conv.
local function pool_branch(x, name, out_channels)
	local p = x:avg_pool2d { kernel_size = 3, stride = 1, padding = 1 }
	return basic_conv(p, name .. ".branch_pool", out_channels, 1)
end

-- InceptionA (35x35): 1x1; 1x1 then 5x5; 1x1 then two 3x3; pool then 1x1.
local function inception_a(x, name, pool_features)
	local b1 = basic_conv(x, name .. ".branch1x1", 64, 1)
	local b5 = basic_conv(x, name .. ".branch5x5_1", 48, 1)
	b5 = basic_conv(b5, name .. ".branch5x5_2", 64, 5, 1, 2)
	local b3 = basic_conv(x, name .. ".branch3x3dbl_1", 64, 1)
	b3 = basic_conv(b3, name .. ".branch3x3dbl_2", 96, 3, 1, 1)
	b3 = basic_conv(b3, name .. ".branch3x3dbl_3", 96, 3, 1, 1)
	return concat { b1, b5, b3, pool_branch(x, name, pool_features) }
end

-- InceptionB (35x35 -> 17x17): 3x3 stride 2; 1x1, 3x3, 3x3 stride 2;
-- F.max_pool2d(x, 3, stride=2).
local function inception_b(x, name)
	local b3 = basic_conv(x, name .. ".branch3x3", 384, 3, 2)
	local bd = basic_conv(x, name .. ".branch3x3dbl_1", 64, 1)
	bd = basic_conv(bd, name .. ".branch3x3dbl_2", 96, 3, 1, 1)
	bd = basic_conv(bd, name .. ".branch3x3dbl_3", 96, 3, 2)
	local bp = x:max_pool2d { kernel_size = 3, stride = 2 }
	return concat { b3, bd, bp }
end

-- InceptionC (17x17): 1x1; 1x1, 1x7, 7x1; 1x1, 7x1, 1x7, 7x1, 1x7; pool
-- then 1x1. c7 is the width of the factorized 7x7 branches.
local function inception_c(x, name, c7)
	local b1 = basic_conv(x, name .. ".branch1x1", 192, 1)
	local b7 = basic_conv(x, name .. ".branch7x7_1", c7, 1)
	b7 = basic_conv(b7, name .. ".branch7x7_2", c7, { 1, 7 }, 1, { 0, 3 })
	b7 = basic_conv(b7, name .. ".branch7x7_3", 192, { 7, 1 }, 1, { 3, 0 })
	local bd = basic_conv(x, name .. ".branch7x7dbl_1", c7, 1)
	bd = basic_conv(bd, name .. ".branch7x7dbl_2", c7, { 7, 1 }, 1, { 3, 0 })
	bd = basic_conv(bd, name .. ".branch7x7dbl_3", c7, { 1, 7 }, 1, { 0, 3 })
	bd = basic_conv(bd, name .. ".branch7x7dbl_4", c7, { 7, 1 }, 1, { 3, 0 })
	bd = basic_conv(bd, name .. ".branch7x7dbl_5", 192, { 1, 7 }, 1, { 0, 3 })
	return concat { b1, b7, bd, pool_branch(x, name, 192) }
end

-- InceptionD (17x17 -> 8x8): 1x1 then 3x3 stride 2; 1x1, 1x7, 7x1, 3x3
-- stride 2; F.max_pool2d(x, 3, stride=2).
local function inception_d(x, name)
	local b3 = basic_conv(x, name .. ".branch3x3_1", 192, 1)
	b3 = basic_conv(b3, name .. ".branch3x3_2", 320, 3, 2)
	local b7 = basic_conv(x, name .. ".branch7x7x3_1", 192, 1)
	b7 = basic_conv(b7, name .. ".branch7x7x3_2", 192, { 1, 7 }, 1, { 0, 3 })
	b7 = basic_conv(b7, name .. ".branch7x7x3_3", 192, { 7, 1 }, 1, { 3, 0 })
	b7 = basic_conv(b7, name .. ".branch7x7x3_4", 192, 3, 2)
	local bp = x:max_pool2d { kernel_size = 3, stride = 2 }
	return concat { b3, b7, bp }
end

-- InceptionE (8x8): 1x1; 1x1 then 1x3 and 3x1 side by side; 1x1, 3x3,
-- then 1x3 and 3x1 side by side; pool then 1x1. Each side-by-side pair is
-- concatenated first, then the four branches, as torchvision does.
local function inception_e(x, name)
	local b1 = basic_conv(x, name .. ".branch1x1", 320, 1)
	local b3 = basic_conv(x, name .. ".branch3x3_1", 384, 1)
	b3 = concat { basic_conv(b3, name .. ".branch3x3_2a", 384, { 1, 3 }, 1, { 0, 1 }),
	              basic_conv(b3, name .. ".branch3x3_2b", 384, { 3, 1 }, 1, { 1, 0 }) }
	local bd = basic_conv(x, name .. ".branch3x3dbl_1", 448, 1)
	bd = basic_conv(bd, name .. ".branch3x3dbl_2", 384, 3, 1, 1)
	bd = concat { basic_conv(bd, name .. ".branch3x3dbl_3a", 384, { 1, 3 }, 1, { 0, 1 }),
	              basic_conv(bd, name .. ".branch3x3dbl_3b", 384, { 3, 1 }, 1, { 1, 0 }) }
	return concat { b1, b3, bd, pool_branch(x, name, 192) }
end

local x = input { name = "image", shape = { 1, 3, 299, 299 } }
x = basic_conv(x, "Conv2d_1a_3x3", 32, 3, 2)                            -- 32x149x149
x = basic_conv(x, "Conv2d_2a_3x3", 32, 3)                               -- 32x147x147
x = basic_conv(x, "Conv2d_2b_3x3", 64, 3, 1, 1)                         -- 64x147x147
x = x:max_pool2d { name = "maxpool1", kernel_size = 3, stride = 2 }     -- 64x73x73
x = basic_conv(x, "Conv2d_3b_1x1", 80, 1)                               -- 80x73x73
x = basic_conv(x, "Conv2d_4a_3x3", 192, 3)                              -- 192x71x71
x = x:max_pool2d { name = "maxpool2", kernel_size = 3, stride = 2 }     -- 192x35x35
x = inception_a(x, "Mixed_5b", 32)                                      -- 256x35x35
x = inception_a(x, "Mixed_5c", 64)                                      -- 288x35x35
x = inception_a(x, "Mixed_5d", 64)                                      -- 288x35x35
x = inception_b(x, "Mixed_6a")                                          -- 768x17x17
x = inception_c(x, "Mixed_6b", 128)                                     -- 768x17x17
x = inception_c(x, "Mixed_6c", 160)                                     -- 768x17x17
x = inception_c(x, "Mixed_6d", 160)                                     -- 768x17x17
x = inception_c(x, "Mixed_6e", 192)                                     -- 768x17x17
x = inception_d(x, "Mixed_7a")                                          -- 1280x8x8
x = inception_e(x, "Mixed_7b")                                          -- 2048x8x8
x = inception_e(x, "Mixed_7c")                                          -- 2048x8x8

-- torchvision drops out before flattening; dropout is the identity here
-- either way. torch.flatten(x, 1) is flatten.
return x:adaptive_avg_pool2d { name = "avgpool", output_size = 1 }
        :dropout { name = "dropout", p = 0.5 }
        :flatten()
        :linear { name = "fc", out_features = 1000 }
