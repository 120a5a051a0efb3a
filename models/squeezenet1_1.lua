-- SqueezeNet 1.1 (Iandola et al., "SqueezeNet: AlexNet-level accuracy with
-- 50x fewer parameters and <0.5MB model size", 2016; version 1.1 from the
-- SqueezeNet repository), transcribed from torchvision 0.14
-- (torchvision/models/squeezenet.py). Layers are named by their index in
-- torchvision's `features` and `classifier` Sequentials, as in its
-- state_dict ("features.0", "features.3.squeeze", ..., "classifier.1").
-- 1,235,496 params, 349,151,936 MACs at 224x224.

-- Fire: a 1x1 squeeze conv, then 1x1 and 3x3 expand convs side by side,
-- their outputs concatenated along channels (1x1 first).
local function fire(x, name, squeeze, expand1x1, expand3x3)
	local s = x:conv2d { name = name .. ".squeeze", out_channels = squeeze, kernel_size = 1 }
	           :relu()
	local e1 = s:conv2d { name = name .. ".expand1x1", out_channels = expand1x1, kernel_size = 1 }
	            :relu()
	local e3 = s:conv2d { name = name .. ".expand3x3", out_channels = expand3x3, kernel_size = 3,
	                      padding = 1 }
	            :relu()
	return concat { e1, e3 }
end

local x = input { name = "image", shape = { 1, 3, 224, 224 } }
x = x:conv2d { name = "features.0", out_channels = 64, kernel_size = 3, stride = 2 } -- 64x111x111
     :relu { name = "features.1" }
     :max_pool2d { name = "features.2", kernel_size = 3, stride = 2, ceil_mode = true } -- 64x55x55
x = fire(x, "features.3", 16, 64, 64)    -- 128x55x55
x = fire(x, "features.4", 16, 64, 64)    -- 128x55x55
x = x:max_pool2d { name = "features.5", kernel_size = 3, stride = 2, ceil_mode = true } -- 128x27x27
x = fire(x, "features.6", 32, 128, 128)  -- 256x27x27
x = fire(x, "features.7", 32, 128, 128)  -- 256x27x27
x = x:max_pool2d { name = "features.8", kernel_size = 3, stride = 2, ceil_mode = true } -- 256x13x13
x = fire(x, "features.9", 48, 192, 192)  -- 384x13x13
x = fire(x, "features.10", 48, 192, 192) -- 384x13x13
x = fire(x, "features.11", 64, 256, 256) -- 512x13x13
x = fire(x, "features.12", 64, 256, 256) -- 512x13x13

-- The classifier is a 1x1 conv to the classes, relu, and an average over
-- the 13x13 positions; torch.flatten(x, 1) is flatten.
return x:dropout { name = "classifier.0", p = 0.5 }
        :conv2d { name = "classifier.1", out_channels = 1000, kernel_size = 1 }
        :relu { name = "classifier.2" }
        :adaptive_avg_pool2d { name = "classifier.3", output_size = 1 }
        :flatten()
