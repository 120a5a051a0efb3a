-- Stresses: the N-d ops on odd sizes (batch 2, 13 and 37 channels, 9x7).
-- A ConvNeXt block with a (C) layer scale: permute, layer_norm, linear,
-- gelu, linear, mul, permute, which the optimizer lowers onto NCHW (1x1
-- convs, a layer norm over channels, no copy for the permutes);
-- LayerNorm2d; layer_norm over H and W; linear over W of a 4-D tensor; a
-- permuted region the optimizer keeps (a reshape reads it); reshape with
-- -1 to 3-D; layer_norm over two dims without affine, and over the last
-- of a 3-D tensor; flatten(2), flatten(1, 2); a 3-D permute and linear.
-- PyTorch twin: NdOps in tests/golden/nets.py.

local x = input { name = "x", shape = { 2, 13, 9, 7 } }
local y = x:conv2d { name = "dw", out_channels = 13, kernel_size = 7, padding = 3, groups = 13 }
y = y:permute { dims = { 0, 2, 3, 1 } }                                                      -- 9x7x13
y = y:layer_norm { name = "norm", normalized_shape = 13, eps = 1e-6 }
y = y:linear { name = "pw1", out_features = 37 }
y = y:gelu()
y = y:linear { name = "pw2", out_features = 13 }
y = y:mul(param { name = "gamma", shape = { 13 } })
x = x + y:permute { dims = { 0, 3, 1, 2 } }                                                 -- 13x9x7
x = x:permute { dims = { 0, 2, 3, 1 } }
x = x:layer_norm { name = "ln2d", normalized_shape = { 13 } }
x = x:permute { dims = { 0, 3, 1, 2 } }                                                     -- LayerNorm2d
local w = x:layer_norm { name = "ln_hw", normalized_shape = { 9, 7 } }
w = w:linear { name = "fc_w", out_features = 5 }                                            -- 13x9x5
local t = w:permute { dims = { 0, 2, 3, 1 } }:linear { name = "fc_t", out_features = 11 }   -- 9x5x11
t = t:reshape { shape = { t.shape[1], -1, 11 } }                                            -- 45x11
t = t:layer_norm { name = "ln3", normalized_shape = { 45, 11 }, elementwise_affine = false }
local u = w:flatten { start_dim = 2 }                                                       -- 13x45
u = u:linear { name = "fc3", out_features = 11 }
u = u:layer_norm { name = "ln_u", normalized_shape = { 11 } }                               -- 13x11
local p = t:permute { dims = { 0, 2, 1 } }:flatten { start_dim = 1, end_dim = 2 }            -- 495
return concat { u:flatten(), p }:linear { name = "head", out_features = 10 }
