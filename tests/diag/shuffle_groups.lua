-- expect: tests/diag/shuffle_groups.lua:4: error: channel_shuffle: input channels (6) must be divisible by groups (4)
-- PyTorch: "Number of channels must be divisible by groups. Got 6 channels and 4 groups."
local x = input { name = "image", shape = { 1, 6, 8, 8 } }
return x:channel_shuffle { groups = 4 }
