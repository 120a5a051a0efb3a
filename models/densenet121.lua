-- DenseNet-121 (Huang et al., "Densely Connected Convolutional Networks",
-- 2016; DenseNet-BC with growth rate 32, bottleneck 4 x 32, compression
-- 0.5), transcribed from torchvision 0.14 (torchvision/models/densenet.py).
-- Layer names are the torchvision state_dict prefixes
-- ("features.denseblock1.denselayer1.norm1", ..., "classifier").
-- 7,978,856 params, 2,834,161,664 MACs at 224x224.

local growth_rate = 32
local bn_size = 4
local block_config = { 6, 12, 24, 16 }

-- _DenseLayer: every feature map before it, concatenated, goes through
-- batch norm, relu, a 1x1 conv to bn_size * growth_rate channels, batch
-- norm, relu, and a 3x3 conv to growth_rate new channels. As in
-- torchvision, the concatenation is rebuilt for each layer (the first
-- layer's concat of one tensor is the identity).
local function dense_layer(features, name)
	return concat(features)
	       :batch_norm { name = name .. ".norm1" }
	       :relu { name = name .. ".relu1" }
	       :conv2d { name = name .. ".conv1", out_channels = bn_size * growth_rate, kernel_size = 1,
	                 bias = false }
	       :batch_norm { name = name .. ".norm2" }
	       :relu { name = name .. ".relu2" }
	       :conv2d { name = name .. ".conv2", out_channels = growth_rate, kernel_size = 3, padding = 1,
	                 bias = false }
end

-- _DenseBlock: `layers` dense layers, each reading all the maps before it;
-- the block's output is all of them concatenated.
local function dense_block(x, name, layers)
	local features = { x }
	for i = 1, layers do
		features[#features + 1] = dense_layer(features, name .. ".denselayer" .. i)
	end
	return concat(features)
end

-- _Transition: batch norm, relu, a 1x1 conv halving the channels, and a
-- 2x2 average pool halving the resolution.
local function transition(x, name)
	return x:batch_norm { name = name .. ".norm" }
	        :relu { name = name .. ".relu" }
	        :conv2d { name = name .. ".conv", out_channels = x.shape[2] // 2, kernel_size = 1, bias = false }
	        :avg_pool2d { name = name .. ".pool", kernel_size = 2, stride = 2 }
end

local x = input { name = "image", shape = { 1, 3, 224, 224 } }
x = x:conv2d { name = "features.conv0", out_channels = 64, kernel_size = 7, stride = 2, padding = 3,
               bias = false }
     :batch_norm { name = "features.norm0" }
     :relu { name = "features.relu0" }
     :max_pool2d { name = "features.pool0", kernel_size = 3, stride = 2, padding = 1 } -- 64x56x56
-- Channels after each block: 256x56x56, 512x28x28, 1024x14x14, 1024x7x7;
-- each transition halves them and the resolution.
for i, layers in ipairs(block_config) do
	x = dense_block(x, "features.denseblock" .. i, layers)
	if i ~= #block_config then
		x = transition(x, "features.transition" .. i)
	end
end
x = x:batch_norm { name = "features.norm5" }

-- torchvision's forward: F.relu, F.adaptive_avg_pool2d(out, (1, 1)),
-- torch.flatten(out, 1), the linear classifier.
return x:relu()
        :adaptive_avg_pool2d { output_size = 1 }
        :flatten()
        :linear { name = "classifier", out_features = 1000 }
