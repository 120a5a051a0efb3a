-- ResNet-50 (He et al., "Deep Residual Learning for Image Recognition", 2015),
-- transcribed from torchvision 0.14 (torchvision/models/resnet.py, Bottleneck).
-- This is ResNet v1.5 as torchvision builds it: the stride sits on the 3x3
-- conv of each bottleneck. Layer names are the torchvision state_dict
-- prefixes. 25,557,032 params, 4,089,184,256 MACs at 224x224.

local expansion = 4

-- One Bottleneck: 1x1 reduce, 3x3 (strided), 1x1 expand, plus a 1x1
-- projection on the shortcut when the resolution or channel count changes.
local function bottleneck(x, name, planes, stride)
	local identity = x
	local out = x:conv2d { name = name .. ".conv1", out_channels = planes, kernel_size = 1, bias = false }
	             :batch_norm { name = name .. ".bn1" }
	             :relu()
	             :conv2d { name = name .. ".conv2", out_channels = planes, kernel_size = 3,
	                       stride = stride, padding = 1, bias = false }
	             :batch_norm { name = name .. ".bn2" }
	             :relu()
	             :conv2d { name = name .. ".conv3", out_channels = planes * expansion, kernel_size = 1,
	                       bias = false }
	             :batch_norm { name = name .. ".bn3" }
	if stride ~= 1 or x.shape[2] ~= planes * expansion then
		identity = x:conv2d { name = name .. ".downsample.0", out_channels = planes * expansion,
		                      kernel_size = 1, stride = stride, bias = false }
		            :batch_norm { name = name .. ".downsample.1" }
	end
	return out:add(identity):relu()
end

-- One stage: `blocks` bottlenecks, the first one strided.
local function make_layer(x, name, planes, blocks, stride)
	x = bottleneck(x, name .. ".0", planes, stride)
	for i = 1, blocks - 1 do
		x = bottleneck(x, name .. "." .. i, planes, 1)
	end
	return x
end

local x = input { name = "image", shape = { 1, 3, 224, 224 } }
x = x:conv2d { name = "conv1", out_channels = 64, kernel_size = 7, stride = 2, padding = 3, bias = false }
     :batch_norm { name = "bn1" }
     :relu()
     :max_pool2d { name = "maxpool", kernel_size = 3, stride = 2, padding = 1 }
x = make_layer(x, "layer1", 64, 3, 1)
x = make_layer(x, "layer2", 128, 4, 2)
x = make_layer(x, "layer3", 256, 6, 2)
x = make_layer(x, "layer4", 512, 3, 2)
return x:adaptive_avg_pool2d { name = "avgpool", output_size = 1 }
        :flatten()
        :linear { name = "fc", out_features = 1000 }
