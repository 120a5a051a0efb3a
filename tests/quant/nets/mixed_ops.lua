-- Quantization's observer rules beyond conv-bn-relu: a conv read by a relu
-- and by an add of a number (the relu cannot fuse; both share the conv's
-- observer), mul by a number, hardswish, silu and sub (FP32 ops, observed
-- where a quantized op reads them), add of two tensors, sigmoid (fixed
-- qparams; so has the FP32 sub it reads: FX makes an input observer from
-- the reader's qconfig), mul of two tensors, a linear with batch norm folded and relu
-- fused, softmax (FP32). PyTorch twin: MixedOps in tests/quant/test_oracle.py.

local x = input { name = "x", shape = { 1, 3, 9, 11 } }
local y = x:conv2d { name = "c", out_channels = 13, kernel_size = 3 }   -- 13x7x9
local a = y:relu()
local b = y:add(3)
local z = a:mul(2):hardswish():add(b:silu())
local w = z:sub(1):sigmoid():mul(z)
w = w:sub(1):conv2d { name = "d", out_channels = 5, kernel_size = { 1, 3 }, stride = 2 }  -- 5x4x4
w = w:flatten():linear { name = "fc", out_features = 7 }
w = w:batch_norm { name = "bn" }:relu()
return w:linear { name = "out", out_features = 3 }:softmax()
