-- RegNetY-400MF (Radosavovic et al., "Designing Network Design Spaces",
-- 2020), transcribed from torchvision 0.14 (torchvision/models/regnet.py):
-- the stage widths and depths below are what its BlockParams computes.
-- Layer names are the torchvision state_dict prefixes
-- ("trunk_output.block2.block2-1.f.se.fc1", ..., "fc").

local GROUP_WIDTH = 8 -- channels per group of the 3x3 convs

-- Conv2dNormActivation: conv (no bias), batch norm, then relu when act;
-- named name.0, name.1, name.2.
local function conv_bn(x, name, out_channels, kernel_size, stride, groups, act)
	x = x:conv2d { name = name .. ".0", out_channels = out_channels, kernel_size = kernel_size,
	               stride = stride, padding = (kernel_size - 1) // 2, groups = groups, bias = false }
	     :batch_norm { name = name .. ".1" }
	if act then
		return x:relu { name = name .. ".2" }
	end
	return x
end

-- ResBottleneckBlock with squeeze-and-excitation (the "Y" of RegNetY):
-- 1x1, grouped 3x3 (stride here), SE to a quarter of the block's input
-- width, 1x1; added to the input (projected by a strided 1x1 when the
-- shape changes), then relu. The projection comes first, as torchvision
-- runs it (self.proj(x) + self.f(x)), so the residual add fuses into f.c.
local function block(x, name, width, stride)
	local width_in = x.shape[2]
	local shortcut = x
	if width_in ~= width or stride ~= 1 then
		shortcut = conv_bn(x, name .. ".proj", width, 1, stride, 1, false)
	end
	local f = conv_bn(x, name .. ".f.a", width, 1, 1, 1, true)
	f = conv_bn(f, name .. ".f.b", width, 3, stride, width // GROUP_WIDTH, true)
	local s = f:adaptive_avg_pool2d { output_size = 1 }
	           :conv2d { name = name .. ".f.se.fc1", out_channels = math.floor(width_in / 4 + 0.5),
	                     kernel_size = 1 }
	           :relu()
	           :conv2d { name = name .. ".f.se.fc2", out_channels = width, kernel_size = 1 }
	           :sigmoid()
	f = conv_bn(s:mul(f), name .. ".f.c", width, 1, 1, 1, false)
	return shortcut:add(f):relu()
end

-- width and depth of each stage; the first block of each has stride 2
local stages = { { 48, 1 }, { 104, 3 }, { 208, 6 }, { 440, 6 } }

local x = input { name = "image", shape = { 1, 3, 224, 224 } }
x = conv_bn(x, "stem", 32, 3, 2, 1, true)                                -- 32x112x112
for s, st in ipairs(stages) do
	for i = 0, st[2] - 1 do
		local name = "trunk_output.block" .. s .. ".block" .. s .. "-" .. i
		x = block(x, name, st[1], i == 0 and 2 or 1)
	end
end                                                                      -- 440x7x7

return x:adaptive_avg_pool2d { output_size = 1 }
        :flatten()
        :linear { name = "fc", out_features = 1000 }
