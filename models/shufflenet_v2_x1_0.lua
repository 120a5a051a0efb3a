-- ShuffleNetV2 (Ma et al., "ShuffleNet V2: Practical Guidelines for
-- Efficient CNN Architecture Design", 2018), width 1.0, transcribed from
-- torchvision 0.14 (torchvision/models/shufflenetv2.py). Layer names are
-- the torchvision state_dict prefixes ("conv1.0", "stage2.0.branch1.0",
-- ..., "fc").

-- conv (no bias) then batch norm, named name.i and name.(i + 1) as
-- torchvision's Sequential numbers them; groups = channels: depthwise.
local function conv_bn(x, name, i, out_channels, kernel_size, stride, groups)
	return x:conv2d { name = name .. "." .. i, out_channels = out_channels, kernel_size = kernel_size,
	                  stride = stride, padding = (kernel_size - 1) // 2, groups = groups, bias = false }
	        :batch_norm { name = name .. "." .. (i + 1) }
end

-- InvertedResidual: stride 1 keeps the first half of the channels and
-- runs the second through branch2 (1x1, 3x3 depthwise, 1x1); stride 2
-- runs the whole input through both branch1 (3x3 depthwise, 1x1) and
-- branch2. The halves are concatenated, then shuffled in 2 groups.
local function inverted_residual(x, name, out_channels, stride)
	local c = x.shape[2]
	local half = out_channels // 2
	local left, right
	if stride == 1 then
		left, right = x:chunk { chunks = 2 }                   -- c/2 each
	else
		left = conv_bn(x, name .. ".branch1", 0, c, 3, stride, c)
		left = conv_bn(left, name .. ".branch1", 2, half, 1, 1, 1):relu()
		right = x
	end
	local b = name .. ".branch2"
	right = conv_bn(right, b, 0, half, 1, 1, 1):relu()
	right = conv_bn(right, b, 3, half, 3, stride, half)
	right = conv_bn(right, b, 5, half, 1, 1, 1):relu()
	return concat { left, right }:channel_shuffle { groups = 2 }
end

local stages_repeats = { 4, 8, 4 }
local stages_out_channels = { 116, 232, 464 }

local x = input { name = "image", shape = { 1, 3, 224, 224 } }
x = conv_bn(x, "conv1", 0, 24, 3, 2, 1):relu()                      -- 24x112x112
x = x:max_pool2d { kernel_size = 3, stride = 2, padding = 1 }       -- 24x56x56
for s = 1, 3 do                                                     -- stage2..4: 116x28x28, 232x14x14, 464x7x7
	local name = "stage" .. (s + 1)
	for i = 0, stages_repeats[s] - 1 do
		x = inverted_residual(x, name .. "." .. i, stages_out_channels[s], i == 0 and 2 or 1)
	end
end
x = conv_bn(x, "conv5", 0, 1024, 1, 1, 1):relu()                    -- 1024x7x7

return x:mean { dim = { 2, 3 } }                                    -- 1024
        :linear { name = "fc", out_features = 1000 }
