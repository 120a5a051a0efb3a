-- Stresses: DenseNet's pattern, where a concat's inputs are written into
-- its channels by their producers and each layer's concat is a view of
-- the block's (passes/memplan.c), and a dense layer's batch norm and relu
-- after a concat (not foldable into a conv). Batch 1, 13 channels, 11x9:
-- a block of 3 dense layers (growth 37: concats of 13, 50, 87 and 124
-- channels); then the corner cases: a relu and a sigmoid reading values
-- that live in the block's channels, the sigmoid last (it may not write
-- over its input, which a concat after it still reads); one
-- value in two concats at other channels, and twice in one concat
-- (copies); a concat of the block's concat and the model's input (the
-- block's values then live in that concat's channels; the input is
-- copied). Each dense layer's norm1 and relu, a batch norm alone before
-- a 1x1 conv, and a transition's norm and relu before a 1x1 conv of
-- stride 2 are applied by the conv as it packs its input
-- (fuse_prologue). 1x13x11x9 in and out. PyTorch twin: DenseConcat in
-- tests/golden/nets.py.

local function dense_layer(features, name)
	return concat(features)
	       :batch_norm { name = name .. ".norm1" }
	       :relu()
	       :conv2d { name = name .. ".conv1", out_channels = 24, kernel_size = 1, bias = false }
	       :batch_norm { name = name .. ".norm2" }
	       :relu()
	       :conv2d { name = name .. ".conv2", out_channels = 37, kernel_size = 3, padding = 1, bias = false }
end

local x = input { name = "x", shape = { 1, 13, 11, 9 } }
local s = x:conv2d { name = "stem", out_channels = 13, kernel_size = 3, padding = 1 }:relu()  -- 13x11x9
local features = { s }
for i = 1, 3 do
	features[#features + 1] = dense_layer(features, "layer" .. i)                        -- +37 each
end
local block = concat(features)                                                           -- 124x11x9
local t = features[2]:relu()                                                             -- 37
local u = concat { features[3], t, features[3] }                                         -- 111
local q = s:sigmoid()                                 -- reads s last; s lives in concat_27's channels
local y = concat { block, x }:conv2d { name = "mix", out_channels = 13, kernel_size = 1 } -- 137 -> 13
local z = u:batch_norm { name = "norm_u" }
           :conv2d { name = "mix2", out_channels = 13, kernel_size = 1, bias = false }     -- 111 -> 13
local t2 = block:batch_norm { name = "trans.norm" }:relu()
                :conv2d { name = "trans.conv", out_channels = 13, kernel_size = 1, stride = 2 } -- 13x6x5
                :adaptive_avg_pool2d { output_size = 1 }
return (y + z):mul(q):add(t2)
