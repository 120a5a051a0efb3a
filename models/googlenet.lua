-- GoogLeNet (Inception v1; Szegedy et al., "Going Deeper with
-- Convolutions", 2014), transcribed from torchvision 0.14
-- (torchvision/models/googlenet.py) as torchvision builds it for
-- inference: no auxiliary heads (aux1 and aux2 run only in training;
-- googlenet(weights=...) drops them unless aux_logits=True is asked for) and
-- transform_input=False. With its IMAGENET1K_V1 weights torchvision turns
-- transform_input on: channel c of the input becomes
-- x * (std[c] / 0.5) + (mean[c] - 0.5) / 0.5 (mean 0.485, 0.456, 0.406, std
-- 0.229, 0.224, 0.225) before conv1; give this model its input so
-- transformed. Layer names are the torchvision state_dict prefixes
-- ("conv1.conv", "inception3a.branch2.1.bn", ..., "fc").
-- 6,624,904 params, 1,498,376,192 MACs at 224x224.

-- BasicConv2d: conv without bias, batch norm (eps 0.001), relu.
local function basic_conv(x, name, out_channels, kernel_size, stride, padding)
	return x:conv2d { name = name .. ".conv", out_channels = out_channels, kernel_size = kernel_size,
	                  stride = stride, padding = padding, bias = false }
	        :batch_norm { name = name .. ".bn", eps = 0.001 }
	        :relu()
end

-- Inception: four branches concatenated along channels: a 1x1 conv; 1x1
-- then 3x3; 1x1 then 3x3 again (torchvision's "5x5" branch has a 3x3
-- kernel, a known difference from the paper kept for its weights:
-- pytorch/vision issue 906); a 3x3 stride-1 max pool (ceil_mode, which
-- changes nothing at stride 1) then 1x1.
local function inception(x, name, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj)
	local b1 = basic_conv(x, name .. ".branch1", ch1x1, 1, 1, 0)
	local b2 = basic_conv(x, name .. ".branch2.0", ch3x3red, 1, 1, 0)
	b2 = basic_conv(b2, name .. ".branch2.1", ch3x3, 3, 1, 1)
	local b3 = basic_conv(x, name .. ".branch3.0", ch5x5red, 1, 1, 0)
	b3 = basic_conv(b3, name .. ".branch3.1", ch5x5, 3, 1, 1)
	local b4 = x:max_pool2d { name = name .. ".branch4.0", kernel_size = 3, stride = 1, padding = 1,
	                          ceil_mode = true }
	b4 = basic_conv(b4, name .. ".branch4.1", pool_proj, 1, 1, 0)
	return concat { b1, b2, b3, b4 }
end

local x = input { name = "image", shape = { 1, 3, 224, 224 } }
x = basic_conv(x, "conv1", 64, 7, 2, 3)                                           -- 64x112x112
x = x:max_pool2d { name = "maxpool1", kernel_size = 3, stride = 2, ceil_mode = true } -- 64x56x56
x = basic_conv(x, "conv2", 64, 1, 1, 0)                                            -- 64x56x56
x = basic_conv(x, "conv3", 192, 3, 1, 1)                                           -- 192x56x56
x = x:max_pool2d { name = "maxpool2", kernel_size = 3, stride = 2, ceil_mode = true } -- 192x28x28
x = inception(x, "inception3a", 64, 96, 128, 16, 32, 32)                           -- 256x28x28
x = inception(x, "inception3b", 128, 128, 192, 32, 96, 64)                         -- 480x28x28
x = x:max_pool2d { name = "maxpool3", kernel_size = 3, stride = 2, ceil_mode = true } -- 480x14x14
x = inception(x, "inception4a", 192, 96, 208, 16, 48, 64)                          -- 512x14x14
x = inception(x, "inception4b", 160, 112, 224, 24, 64, 64)                         -- 512x14x14
x = inception(x, "inception4c", 128, 128, 256, 24, 64, 64)                         -- 512x14x14
x = inception(x, "inception4d", 112, 144, 288, 32, 64, 64)                         -- 528x14x14
x = inception(x, "inception4e", 256, 160, 320, 32, 128, 128)                       -- 832x14x14
x = x:max_pool2d { name = "maxpool4", kernel_size = 2, stride = 2, ceil_mode = true } -- 832x7x7
x = inception(x, "inception5a", 256, 160, 320, 32, 128, 128)                       -- 832x7x7
x = inception(x, "inception5b", 384, 192, 384, 48, 128, 128)                       -- 1024x7x7

-- torch.flatten(x, 1) is flatten.
return x:adaptive_avg_pool2d { name = "avgpool", output_size = 1 }
        :flatten()
        :dropout { name = "dropout", p = 0.2 }
        :linear { name = "fc", out_features = 1000 }
