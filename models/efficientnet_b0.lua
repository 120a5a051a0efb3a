-- EfficientNet-B0 (Tan and Le, "EfficientNet: Rethinking Model Scaling
-- for Convolutional Neural Networks", 2019), transcribed from torchvision
-- 0.14 (torchvision/models/efficientnet.py). Layer names are the
-- torchvision state_dict prefixes ("features.2.1.block.2.fc1", ...,
-- "classifier.1").

-- Conv2dNormActivation: conv (no bias), batch norm, then silu when
-- act; named name.0, name.1, name.2.
local function conv_bn(x, name, out_channels, kernel_size, stride, groups, act)
	x = x:conv2d { name = name .. ".0", out_channels = out_channels, kernel_size = kernel_size,
	               stride = stride, padding = (kernel_size - 1) // 2, groups = groups, bias = false }
	     :batch_norm { name = name .. ".1" }
	if act then
		return x:silu { name = name .. ".2" }
	end
	return x
end

-- SqueezeExcitation with silu and sigmoid: channel weights from the
-- pooled input, scaling it.
local function squeeze_excitation(x, name, squeeze)
	local s = x:adaptive_avg_pool2d { output_size = 1 }
	           :conv2d { name = name .. ".fc1", out_channels = squeeze, kernel_size = 1 }
	           :silu()
	           :conv2d { name = name .. ".fc2", out_channels = x.shape[2], kernel_size = 1 }
	           :sigmoid()
	return s:mul(x)
end

-- MBConv: 1x1 expansion (unless the ratio is 1), depthwise k x k,
-- squeeze-and-excitation to in/4 channels, 1x1 linear projection; with
-- the input added back (after stochastic depth, the identity at
-- inference) when the block keeps its shape. p: stochastic depth
-- probability, 0.2 * block index / 16 as torchvision sets it.
local function mbconv(x, name, expand, k, stride, out_channels, p)
	local in_channels = x.shape[2]
	local expanded = in_channels * expand
	local y, i = x, 0 -- i: index in the block's Sequential
	if expanded ~= in_channels then
		y = conv_bn(y, name .. ".block.0", expanded, 1, 1, 1, true)
		i = 1
	end
	y = conv_bn(y, name .. ".block." .. i, expanded, k, stride, expanded, true)
	y = squeeze_excitation(y, name .. ".block." .. (i + 1), math.max(1, in_channels // 4))
	y = conv_bn(y, name .. ".block." .. (i + 2), out_channels, 1, 1, 1, false)
	if stride == 1 and in_channels == out_channels then
		return y:stochastic_depth { p = p, mode = "row" }:add(x)
	end
	return y
end

-- expansion, kernel, stride of the first block, out channels, blocks
local stages = {
	{ 1, 3, 1, 16,  1 },
	{ 6, 3, 2, 24,  2 },
	{ 6, 5, 2, 40,  2 },
	{ 6, 3, 2, 80,  3 },
	{ 6, 5, 1, 112, 3 },
	{ 6, 5, 2, 192, 4 },
	{ 6, 3, 1, 320, 1 },
}

local x = input { name = "image", shape = { 1, 3, 224, 224 } }
x = conv_bn(x, "features.0", 32, 3, 2, 1, true)                         -- 32x112x112
local block = 0
for s, st in ipairs(stages) do
	for j = 0, st[5] - 1 do
		x = mbconv(x, "features." .. s .. "." .. j, st[1], st[2], j == 0 and st[3] or 1, st[4],
		           0.2 * block / 16)
		block = block + 1
	end
end                                                                      -- 320x7x7
x = conv_bn(x, "features.8", 1280, 1, 1, 1, true)                       -- 1280x7x7

return x:adaptive_avg_pool2d { output_size = 1 }
        :flatten()
        :dropout { name = "classifier.0", p = 0.2 }
        :linear { name = "classifier.1", out_features = 1000 }
