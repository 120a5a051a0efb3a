-- MnasNet-B1 at depth multiplier 1.0 (Tan et al., "MnasNet: Platform-Aware
-- Neural Architecture Search for Mobile", 2018), transcribed from
-- torchvision 0.14 (torchvision/models/mnasnet.py). Layers are named by
-- their index in torchvision's `layers` Sequential, as in its state_dict
-- ("layers.0", "layers.8.0.layers.3", ..., "classifier.1"). Batch norm
-- momentum matters only in training.
-- 4,383,312 params, 314,415,872 MACs at 224x224.

-- Channels at alpha 1.0 (torchvision's _get_depths: already multiples of 8).
local depths = { 32, 16, 24, 40, 80, 96, 192, 320 }

-- _InvertedResidual: 1x1 expansion, batch norm, relu; k x k depthwise
-- (stride 1 or 2), batch norm, relu; 1x1 linear projection, batch norm;
-- the input added back when the block keeps shape. `layers.0` to
-- `layers.7` inside the block, as torchvision's Sequential numbers them.
local function inverted_residual(x, name, out_ch, kernel_size, stride, expansion)
	local in_ch = x.shape[2]
	local mid = in_ch * expansion
	local y = x:conv2d { name = name .. ".layers.0", out_channels = mid, kernel_size = 1, bias = false }
	           :batch_norm { name = name .. ".layers.1" }
	           :relu { name = name .. ".layers.2" }
	           :conv2d { name = name .. ".layers.3", out_channels = mid, kernel_size = kernel_size,
	                     padding = kernel_size // 2, stride = stride, groups = mid, bias = false }
	           :batch_norm { name = name .. ".layers.4" }
	           :relu { name = name .. ".layers.5" }
	           :conv2d { name = name .. ".layers.6", out_channels = out_ch, kernel_size = 1, bias = false }
	           :batch_norm { name = name .. ".layers.7" }
	if in_ch == out_ch and stride == 1 then
		return y:add(x)
	end
	return y
end

-- _stack: `repeats` inverted residuals, only the first strided (and
-- without skip, since it changes the shape).
local function stack(x, name, out_ch, kernel_size, stride, expansion, repeats)
	x = inverted_residual(x, name .. ".0", out_ch, kernel_size, stride, expansion)
	for i = 1, repeats - 1 do
		x = inverted_residual(x, name .. "." .. i, out_ch, kernel_size, 1, expansion)
	end
	return x
end

local x = input { name = "image", shape = { 1, 3, 224, 224 } }
-- First layer: a regular conv (32x112x112); then a depthwise separable
-- conv, no skip (16x112x112).
x = x:conv2d { name = "layers.0", out_channels = depths[1], kernel_size = 3, padding = 1, stride = 2,
               bias = false }
     :batch_norm { name = "layers.1" }
     :relu { name = "layers.2" }
x = x:conv2d { name = "layers.3", out_channels = depths[1], kernel_size = 3, padding = 1,
               groups = depths[1], bias = false }
     :batch_norm { name = "layers.4" }
     :relu { name = "layers.5" }
x = x:conv2d { name = "layers.6", out_channels = depths[2], kernel_size = 1, bias = false }
     :batch_norm { name = "layers.7" }
-- The MnasNet stacks: out channels, kernel, stride, expansion, repeats.
x = stack(x, "layers.8", depths[3], 3, 2, 3, 3)  -- 24x56x56
x = stack(x, "layers.9", depths[4], 5, 2, 3, 3)  -- 40x28x28
x = stack(x, "layers.10", depths[5], 5, 2, 6, 3) -- 80x14x14
x = stack(x, "layers.11", depths[6], 3, 1, 6, 2) -- 96x14x14
x = stack(x, "layers.12", depths[7], 5, 2, 6, 4) -- 192x7x7
x = stack(x, "layers.13", depths[8], 3, 1, 6, 1) -- 320x7x7
-- Final mapping to the classifier's input.
x = x:conv2d { name = "layers.14", out_channels = 1280, kernel_size = 1, bias = false } -- 1280x7x7
     :batch_norm { name = "layers.15" }
     :relu { name = "layers.16" }

-- torchvision averages with x.mean([2, 3]), an N x 1280 tensor (and
-- torch.onnx exports it as ReduceMean, which cnnc import reads as mean).
return x:mean { dim = { 2, 3 } }
        :dropout { name = "classifier.0", p = 0.2 }
        :linear { name = "classifier.1", out_features = 1000 }
