-- MobileNetV3-Small (Howard et al., "Searching for MobileNetV3", 2019),
-- width 1.0, transcribed from torchvision 0.14
-- (torchvision/models/mobilenetv3.py). Layer names are the torchvision
-- state_dict prefixes ("features.1.block.0.fc1", ..., "classifier.3").

-- torchvision's _make_divisible: v rounded to a multiple of 8, at least 8,
-- never more than 10% below v.
local function make_divisible(v)
	local r = math.max(8, (v + 4) // 8 * 8)
	if r < 0.9 * v then
		r = r + 8
	end
	return r
end

-- Conv2dNormActivation: conv (no bias), batch norm (eps 0.001), then the
-- activation when there is one; named name.0, name.1, name.2.
local function conv_bn(x, name, out_channels, kernel_size, stride, groups, act)
	x = x:conv2d { name = name .. ".0", out_channels = out_channels, kernel_size = kernel_size,
	               stride = stride, padding = (kernel_size - 1) // 2, groups = groups, bias = false }
	     :batch_norm { name = name .. ".1", eps = 0.001 }
	if act == "HS" then
		return x:hardswish { name = name .. ".2" }
	elseif act == "RE" then
		return x:relu { name = name .. ".2" }
	end
	return x
end

-- SqueezeExcitation: channel weights from the pooled input, scaling it.
local function squeeze_excitation(x, name)
	local c = x.shape[2]
	local s = x:adaptive_avg_pool2d { output_size = 1 }
	           :conv2d { name = name .. ".fc1", out_channels = make_divisible(c // 4), kernel_size = 1 }
	           :relu()
	           :conv2d { name = name .. ".fc2", out_channels = c, kernel_size = 1 }
	           :hardsigmoid()
	return s:mul(x)
end

-- InvertedResidual: 1x1 expansion (unless expanded == in), depthwise
-- k x k, squeeze-and-excitation, 1x1 linear projection; the input is
-- added back when the block keeps its shape.
local function inverted_residual(x, name, k, expanded, out_channels, se, act, stride)
	local in_channels = x.shape[2]
	local y, i = x, 0 -- i: index in the block's Sequential
	if expanded ~= in_channels then
		y = conv_bn(y, name .. ".block.0", expanded, 1, 1, 1, act)
		i = 1
	end
	y = conv_bn(y, name .. ".block." .. i, expanded, k, stride, expanded, act)
	if se then
		i = i + 1
		y = squeeze_excitation(y, name .. ".block." .. i)
	end
	y = conv_bn(y, name .. ".block." .. (i + 1), out_channels, 1, 1, 1, nil)
	if stride == 1 and in_channels == out_channels then
		return y:add(x)
	end
	return y
end

-- kernel, expanded channels, out channels, SE, activation, stride
local settings = {
	{ 3, 16,  16, true,  "RE", 2 },
	{ 3, 72,  24, false, "RE", 2 },
	{ 3, 88,  24, false, "RE", 1 },
	{ 5, 96,  40, true,  "HS", 2 },
	{ 5, 240, 40, true,  "HS", 1 },
	{ 5, 240, 40, true,  "HS", 1 },
	{ 5, 120, 48, true,  "HS", 1 },
	{ 5, 144, 48, true,  "HS", 1 },
	{ 5, 288, 96, true,  "HS", 2 },
	{ 5, 576, 96, true,  "HS", 1 },
	{ 5, 576, 96, true,  "HS", 1 },
}

local x = input { name = "image", shape = { 1, 3, 224, 224 } }
x = conv_bn(x, "features.0", 16, 3, 2, 1, "HS")                         -- 16x112x112
for i, s in ipairs(settings) do
	x = inverted_residual(x, "features." .. i, s[1], s[2], s[3], s[4], s[5], s[6])
end                                                                      -- 96x7x7
x = conv_bn(x, "features." .. (#settings + 1), 576, 1, 1, 1, "HS")      -- 576x7x7

return x:adaptive_avg_pool2d { output_size = 1 }
        :flatten()
        :linear { name = "classifier.0", out_features = 1024 }
        :hardswish()
        :dropout { name = "classifier.2", p = 0.2 }
        :linear { name = "classifier.3", out_features = 1000 }
