-- DeepLabV3 on MobileNetV3-Large (Chen et al., "Rethinking Atrous
-- Convolution for Semantic Image Segmentation", 2017), for 21 classes, no
-- auxiliary head, transcribed from torchvision 0.14
-- (torchvision/models/segmentation/deeplabv3.py). Layer names are its
-- state_dict prefixes ("backbone.4.block.2.fc1", ...,
-- "classifier.0.convs.1.0", ..., "classifier.4"). SIZE is the input's
-- height and width: edit it for another size (torchvision's model takes
-- any).

local SIZE = 520

-- torchvision's _make_divisible: v rounded to a multiple of 8, at least 8,
-- never more than 10% below v.
local function make_divisible(v)
	local r = math.max(8, (v + 4) // 8 * 8)
	if r < 0.9 * v then
		r = r + 8
	end
	return r
end

-- Conv2dNormActivation: conv (no bias, padding (k - 1) / 2 * dilation),
-- batch norm (eps 0.001), then the activation when there is one; named
-- name.0, name.1, name.2.
local function conv_bn(x, name, out_channels, kernel_size, stride, groups, act, dilation)
	dilation = dilation or 1
	x = x:conv2d { name = name .. ".0", out_channels = out_channels, kernel_size = kernel_size,
	               stride = stride, padding = (kernel_size - 1) // 2 * dilation, dilation = dilation,
	               groups = groups, bias = false }
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
-- k x k (dilated in the last stage, which then keeps stride 1),
-- squeeze-and-excitation, 1x1 linear projection; the input is added back
-- when the block keeps its shape.
local function inverted_residual(x, name, k, expanded, out_channels, se, act, stride, dilation)
	local in_channels = x.shape[2]
	local y, i = x, 0 -- i: index in the block's Sequential
	if expanded ~= in_channels then
		y = conv_bn(y, name .. ".block.0", expanded, 1, 1, 1, act)
		i = 1
	end
	y = conv_bn(y, name .. ".block." .. i, expanded, k, stride, expanded, act, dilation)
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

-- kernel, expanded channels, out channels, SE, activation, stride,
-- dilation (torchvision's dilated=True: the last stage at stride 1 with
-- dilation 2, so the features keep output stride 16)
local settings = {
	{ 3, 16,  16,  false, "RE", 1 },
	{ 3, 64,  24,  false, "RE", 2 },
	{ 3, 72,  24,  false, "RE", 1 },
	{ 5, 72,  40,  true,  "RE", 2 },
	{ 5, 120, 40,  true,  "RE", 1 },
	{ 5, 120, 40,  true,  "RE", 1 },
	{ 3, 240, 80,  false, "HS", 2 },
	{ 3, 200, 80,  false, "HS", 1 },
	{ 3, 184, 80,  false, "HS", 1 },
	{ 3, 184, 80,  false, "HS", 1 },
	{ 3, 480, 112, true,  "HS", 1 },
	{ 3, 672, 112, true,  "HS", 1 },
	{ 5, 672, 160, true,  "HS", 2, 2 },
	{ 5, 960, 160, true,  "HS", 1, 2 },
	{ 5, 960, 160, true,  "HS", 1, 2 },
}


-- The dilated backbone, its layers named backbone.I as
-- IntermediateLayerGetter keeps torchvision's features.I.
local function backbone(x)
	x = conv_bn(x, "backbone.0", 16, 3, 2, 1, "HS")
	local low
	for i, s in ipairs(settings) do
		local dilation = s[7] or 1
		x = inverted_residual(x, "backbone." .. i, s[1], s[2], s[3], s[4], s[5], dilation > 1 and 1 or s[6],
		                      dilation)
		if i == 4 then
			low = x -- features.4: 40 channels at output stride 8
		end
	end
	return low, conv_bn(x, "backbone." .. (#settings + 1), 960, 1, 1, 1, "HS") -- 960 at stride 16
end

-- The head's conv, batch norm (PyTorch's default eps) and relu, named
-- name.0, name.1, name.2.
local function conv_bn_relu(x, name, out_channels, kernel_size, dilation)
	return x:conv2d { name = name .. ".0", out_channels = out_channels, kernel_size = kernel_size,
	                  padding = (kernel_size - 1) // 2 * dilation, dilation = dilation, bias = false }
	        :batch_norm { name = name .. ".1" }
	        :relu()
end

-- ASPP: a 1x1 conv, three 3x3 convs dilated 12, 24 and 36, and the pooled
-- features upsampled back (ASPPPooling: pool, then its conv .1, batch
-- norm .2), each to 256 channels with relu, concatenated and projected
-- to 256 (dropout: the identity at inference)
local function aspp(x, name)
	local h, w = x.shape[3], x.shape[4]
	local branches = { conv_bn_relu(x, name .. ".convs.0", 256, 1, 1) }
	for i, rate in ipairs({ 12, 24, 36 }) do
		branches[#branches + 1] = conv_bn_relu(x, name .. ".convs." .. i, 256, 3, rate)
	end
	branches[#branches + 1] = x:adaptive_avg_pool2d { output_size = 1 }
	    :conv2d { name = name .. ".convs.4.1", out_channels = 256, kernel_size = 1, bias = false }
	    :batch_norm { name = name .. ".convs.4.2" }
	    :relu()
	    :interpolate { size = { h, w }, mode = "bilinear", align_corners = false }
	return conv_bn_relu(concat(branches), name .. ".project", 256, 1, 1)
	       :dropout { name = name .. ".project.3", p = 0.5 }
end

local x = input { name = "image", shape = { 1, 3, SIZE, SIZE } }
local _, features = backbone(x)
local y = aspp(features, "classifier.0")
y = y:conv2d { name = "classifier.1", out_channels = 256, kernel_size = 3, padding = 1, bias = false }
     :batch_norm { name = "classifier.2" }
     :relu()
     :conv2d { name = "classifier.4", out_channels = 21, kernel_size = 1 }
return y:interpolate { size = { SIZE, SIZE }, mode = "bilinear", align_corners = false }
