-- Stresses the first-layer and depthwise kernels: batch 2 of an odd image
-- (3x45x37); a 7x7 stride-2 padding-3 conv on 3 channels (resnet's stem,
-- the stem kernel) with batch norm and relu; a 3x3 stride-2 max pool; a
-- depthwise 3x3 stride 2 on an even 12x10 and on an odd 6x5 plane, each
-- with batch norm, a residual and relu6; a depthwise stride 1 with a
-- residual. PyTorch twin: StemDw in tests/golden/nets.py.

local x = input { name = "image", shape = { 2, 3, 45, 37 } }
x = x:conv2d { name = "conv1", out_channels = 13, kernel_size = 7, stride = 2, padding = 3, bias = false }
x = x:batch_norm { name = "bn1" }
x = x:relu()                                                                            -- 13x23x19
local p = x:max_pool2d { kernel_size = 3, stride = 2, padding = 1 }                     -- 13x12x10
local r = p:avg_pool2d { kernel_size = 3, stride = 2, padding = 1 }                     -- 13x6x5
local d = p:conv2d { name = "dw1", out_channels = 13, kernel_size = 3, stride = 2, padding = 1,
                     groups = 13, bias = false }
d = d:batch_norm { name = "bn_dw1" }
local y = d:add(r)
y = y:relu6()                                                                           -- 13x6x5
local e = y:conv2d { name = "dw2", out_channels = 13, kernel_size = 3, padding = 1, groups = 13 }
local z = e:add(y)
z = z:relu6()                                                                           -- 13x6x5
local q = z:max_pool2d { kernel_size = 3, stride = 2, padding = 1 }                     -- 13x3x3
local f = z:conv2d { name = "dw3", out_channels = 13, kernel_size = 3, stride = 2, padding = 1, groups = 13 }
f = f:add(q)
f = f:relu6()                                                                           -- 13x3x3
return f:conv2d { name = "conv_out", out_channels = 37, kernel_size = 1 }               -- 37x3x3
