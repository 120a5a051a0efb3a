-- A value FX leaves in FP32 (silu) read by a fixed-qparams op (sigmoid)
-- and by a quantized conv, in either order: FX observes it twice, the
-- sigmoid's input on its fixed grid (1/256, 0) and the conv's on a
-- MinMaxObserver's (prepare.py reuses an input observer only of the same
-- type), so the conv reads it unclipped and the sigmoid reads it clipped
-- to [0, 255/256]. PyTorch twin: FixedShared in tests/quant/test_oracle.py.

local x = input { name = "x", shape = { 1, 3, 7, 9 } }
local s = x:conv2d { name = "c", out_channels = 6, kernel_size = 3, padding = 1 }:silu()  -- 6x7x9
local y = s:sigmoid():add(s:conv2d { name = "d", out_channels = 6, kernel_size = 1 })     -- sigmoid first
local t = y:silu()
return t:conv2d { name = "e", out_channels = 6, kernel_size = 1 }:mul(t:sigmoid())      -- the conv first
