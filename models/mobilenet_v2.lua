-- MobileNetV2 (Sandler et al., "MobileNetV2: Inverted Residuals and Linear
-- Bottlenecks", 2018), width 1.0, transcribed from torchvision 0.14
-- (torchvision/models/mobilenetv2.py). Layer names are the torchvision
-- state_dict prefixes ("features.1.conv.0.0", ..., "classifier.1").

-- Conv2dNormActivation: conv (no bias), batch norm, relu6, named
-- name.0, name.1, name.2 as torchvision's Sequential numbers them.
local function conv_bn_relu6(x, name, out_channels, kernel_size, stride, groups)
	return x:conv2d { name = name .. ".0", out_channels = out_channels, kernel_size = kernel_size,
	                  stride = stride, padding = (kernel_size - 1) // 2, groups = groups, bias = false }
	        :batch_norm { name = name .. ".1" }
	        :relu6 { name = name .. ".2" }
end

-- InvertedResidual: optional 1x1 expansion, 3x3 depthwise, 1x1 linear
-- projection; the input is added back when the block keeps shape.
local function inverted_residual(x, name, out_channels, stride, expand_ratio)
	local in_channels = x.shape[2]
	local hidden = in_channels * expand_ratio
	local y = x
	local i = 0 -- index in the block's `conv` Sequential
	if expand_ratio ~= 1 then
		y = conv_bn_relu6(y, name .. ".conv." .. i, hidden, 1, 1, 1)
		i = i + 1
	end
	y = conv_bn_relu6(y, name .. ".conv." .. i, hidden, 3, stride, hidden)
	y = y:conv2d { name = name .. ".conv." .. (i + 1), out_channels = out_channels, kernel_size = 1, bias = false }
	     :batch_norm { name = name .. ".conv." .. (i + 2) }
	if stride == 1 and in_channels == out_channels then
		return x:add(y)
	end
	return y
end

-- t: expansion, c: output channels, n: repeats, s: stride of the first.
local settings = {
	{ t = 1, c = 16,  n = 1, s = 1 },
	{ t = 6, c = 24,  n = 2, s = 2 },
	{ t = 6, c = 32,  n = 3, s = 2 },
	{ t = 6, c = 64,  n = 4, s = 2 },
	{ t = 6, c = 96,  n = 3, s = 1 },
	{ t = 6, c = 160, n = 3, s = 2 },
	{ t = 6, c = 320, n = 1, s = 1 },
}

local x = input { name = "image", shape = { 1, 3, 224, 224 } }
x = conv_bn_relu6(x, "features.0", 32, 3, 2, 1)
local f = 1 -- index in torchvision's features Sequential
for _, st in ipairs(settings) do
	for j = 1, st.n do
		x = inverted_residual(x, "features." .. f, st.c, j == 1 and st.s or 1, st.t)
		f = f + 1
	end
end
x = conv_bn_relu6(x, "features." .. f, 1280, 1, 1, 1)

return x:adaptive_avg_pool2d { output_size = 1 }
        :flatten()
        :dropout { name = "classifier.0", p = 0.2 }
        :linear { name = "classifier.1", out_features = 1000 }
