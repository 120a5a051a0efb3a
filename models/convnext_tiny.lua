-- ConvNeXt-T (Liu et al., "A ConvNet for the 2020s", 2022), transcribed
-- from torchvision 0.14 (torchvision/models/convnext.py, convnext_tiny):
-- widths 96, 192, 384, 768, depths 3, 3, 9, 3, stochastic depth 0.1.
-- Layer names are the torchvision state_dict prefixes
-- ("features.1.0.block.3", "features.1.0.layer_scale", ..., "classifier.2").
-- The block's permute / layer_norm / linear / permute is written as
-- torchvision runs it; cnnc lowers it onto N x C x H x W (1x1 convs, a
-- layer norm over channels, no copy for the permutes) above -O0.

local WIDTHS = { 96, 192, 384, 768 }
local DEPTHS = { 3, 3, 9, 3 }
local STOCHASTIC_DEPTH = 0.1
local BLOCKS = 18 -- the sum of DEPTHS

-- LayerNorm2d (eps 1e-6): a layer norm over the channels, as torchvision
-- writes it (permute to N x H x W x C and back).
local function layer_norm2d(x, name)
	x = x:permute { dims = { 0, 2, 3, 1 } }
	x = x:layer_norm { name = name, normalized_shape = x.shape[4], eps = 1e-6 }
	return x:permute { dims = { 0, 3, 1, 2 } }
end

-- CNBlock: depthwise 7x7, then per pixel layer norm, linear to 4x,
-- gelu, linear back; scaled by the learned layer_scale (C, 1, 1),
-- stochastic depth (identity at inference), added to the input.
local function block(x, name, dim, sd_prob)
	local y = x:conv2d { name = name .. ".block.0", out_channels = dim, kernel_size = 7, padding = 3, groups = dim }
	y = y:permute { dims = { 0, 2, 3, 1 } }
	y = y:layer_norm { name = name .. ".block.2", normalized_shape = dim, eps = 1e-6 }
	y = y:linear { name = name .. ".block.3", out_features = 4 * dim }
	y = y:gelu()
	y = y:linear { name = name .. ".block.5", out_features = dim }
	y = y:permute { dims = { 0, 3, 1, 2 } }
	y = param { name = name .. ".layer_scale", shape = { dim, 1, 1 } }:mul(y)
	y = y:stochastic_depth { p = sd_prob, mode = "row" }
	return y:add(x)
end

local x = input { name = "image", shape = { 1, 3, 224, 224 } }
x = x:conv2d { name = "features.0.0", out_channels = WIDTHS[1], kernel_size = 4, stride = 4 }
x = layer_norm2d(x, "features.0.1")
local id = 0 -- the block's index over all stages, for its stochastic depth
for stage = 1, 4 do
	local f = 2 * stage - 1 -- features.1, .3, .5, .7; downsampling at .2, .4, .6
	for i = 0, DEPTHS[stage] - 1 do
		x = block(x, "features." .. f .. "." .. i, WIDTHS[stage], STOCHASTIC_DEPTH * id / (BLOCKS - 1))
		id = id + 1
	end
	if stage < 4 then
		x = layer_norm2d(x, "features." .. f + 1 .. ".0")
		x = x:conv2d { name = "features." .. f + 1 .. ".1", out_channels = WIDTHS[stage + 1], kernel_size = 2,
		               stride = 2 }
	end
end
x = x:adaptive_avg_pool2d { output_size = 1 }
x = layer_norm2d(x, "classifier.0")
return x:flatten():linear { name = "classifier.2", out_features = 1000 }
