-- ResNet-18 (He et al., "Deep Residual Learning for Image Recognition", 2015),
-- transcribed from torchvision 0.14 (torchvision/models/resnet.py, BasicBlock).
-- Layer names are the torchvision state_dict prefixes, so
-- torchvision.models.resnet18().state_dict() saved as safetensors loads as is.

-- One BasicBlock: two 3x3 convs, plus a 1x1 projection on the shortcut when
-- the block changes the resolution or the channel count.
local function basic_block(x, name, planes, stride)
	local identity = x
	local out = x:conv2d { name = name .. ".conv1", out_channels = planes, kernel_size = 3,
	                       stride = stride, padding = 1, bias = false }
	             :batch_norm { name = name .. ".bn1" }
	             :relu()
	             :conv2d { name = name .. ".conv2", out_channels = planes, kernel_size = 3,
	                       padding = 1, bias = false }
	             :batch_norm { name = name .. ".bn2" }
	if stride ~= 1 or x.shape[2] ~= planes then
		identity = x:conv2d { name = name .. ".downsample.0", out_channels = planes, kernel_size = 1,
		                      stride = stride, bias = false }
		            :batch_norm { name = name .. ".downsample.1" }
	end
	return out:add(identity):relu()
end

-- One stage: `blocks` blocks, the first one strided.
local function make_layer(x, name, planes, blocks, stride)
	x = basic_block(x, name .. ".0", planes, stride)
	for i = 1, blocks - 1 do
		x = basic_block(x, name .. "." .. i, planes, 1)
	end
	return x
end

local x = input { name = "image", shape = { 1, 3, 224, 224 } }
x = x:conv2d { name = "conv1", out_channels = 64, kernel_size = 7, stride = 2, padding = 3, bias = false }
     :batch_norm { name = "bn1" }
     :relu()
     :max_pool2d { name = "maxpool", kernel_size = 3, stride = 2, padding = 1 }
x = make_layer(x, "layer1", 64, 2, 1)
x = make_layer(x, "layer2", 128, 2, 2)
x = make_layer(x, "layer3", 256, 2, 2)
x = make_layer(x, "layer4", 512, 2, 2)
return x:adaptive_avg_pool2d { name = "avgpool", output_size = 1 }
        :flatten()
        :linear { name = "fc", out_features = 1000 }
