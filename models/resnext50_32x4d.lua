-- ResNeXt-50 32x4d (Xie et al., "Aggregated Residual Transformations for
-- Deep Neural Networks", 2016), transcribed from torchvision 0.14
-- (torchvision/models/resnet.py: ResNet with Bottleneck, groups = 32,
-- width_per_group = 4). It is models/resnet50.lua with the 3x3 conv of
-- every bottleneck split into 32 groups and twice as wide: torchvision's
-- width = int(planes * width_per_group / 64) * groups = planes * 2. The
-- stride sits on that 3x3 conv (ResNet v1.5). Layer names are the
-- torchvision state_dict prefixes.
-- 25,028,904 params, 4,230,479,872 MACs at 224x224.

local expansion = 4
local groups = 32
local width_per_group = 4

-- One Bottleneck: 1x1 reduce, grouped 3x3 (strided), 1x1 expand, plus a
-- 1x1 projection on the shortcut when the resolution or channel count
-- changes.
local function bottleneck(x, name, planes, stride)
	local width = planes * width_per_group // 64 * groups
	local identity = x
	local out = x:conv2d { name = name .. ".conv1", out_channels = width, kernel_size = 1, bias = false }
	             :batch_norm { name = name .. ".bn1" }
	             :relu()
	             :conv2d { name = name .. ".conv2", out_channels = width, kernel_size = 3,
	                       stride = stride, padding = 1, groups = groups, bias = false }
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
     :max_pool2d { name = "maxpool", kernel_size = 3, stride = 2, padding = 1 } -- 64x56x56
x = make_layer(x, "layer1", 64, 3, 1)  -- 256x56x56
x = make_layer(x, "layer2", 128, 4, 2) -- 512x28x28
x = make_layer(x, "layer3", 256, 6, 2) -- 1024x14x14
x = make_layer(x, "layer4", 512, 3, 2) -- 2048x7x7
return x:adaptive_avg_pool2d { name = "avgpool", output_size = 1 }
        :flatten()
        :linear { name = "fc", out_features = 1000 }
