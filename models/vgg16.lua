-- VGG-16 (Simonyan & Zisserman, "Very Deep Convolutional Networks", 2014,
-- configuration D), transcribed from torchvision 0.14
-- (torchvision/models/vgg.py, no batch norm). Layers are named by their
-- index in torchvision's `features` and `classifier` Sequentials, as in its
-- state_dict ("features.0", ..., "classifier.6"). 138,357,544 params.

-- Channels of each 3x3 conv; "M" is a 2x2 max pool.
local cfg = { 64, 64, "M", 128, 128, "M", 256, 256, 256, "M",
              512, 512, 512, "M", 512, 512, 512, "M" }

local x = input { name = "image", shape = { 1, 3, 224, 224 } }

local i = 0 -- index in torchvision's features Sequential
for _, v in ipairs(cfg) do
	if v == "M" then
		x = x:max_pool2d { name = "features." .. i, kernel_size = 2, stride = 2 }
		i = i + 1
	else
		x = x:conv2d { name = "features." .. i, out_channels = v, kernel_size = 3, padding = 1 }
		     :relu { name = "features." .. (i + 1) }
		i = i + 2
	end
end

return x:adaptive_avg_pool2d { name = "avgpool", output_size = 7 }
        :flatten()
        :linear { name = "classifier.0", out_features = 4096 }
        :relu { name = "classifier.1" }
        :dropout { name = "classifier.2", p = 0.5 }
        :linear { name = "classifier.3", out_features = 4096 }
        :relu { name = "classifier.4" }
        :dropout { name = "classifier.5", p = 0.5 }
        :linear { name = "classifier.6", out_features = 1000 }
