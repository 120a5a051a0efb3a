-- Stresses: batch 2; chunk of an odd channel count (13 in 2: 7 and 6),
-- chunk asking more pieces than distinct sizes allow (5 channels in 4
-- chunks: PyTorch gives 3, of 2, 2 and 1), split by a size (13 by 5:
-- 5, 5, 3) and by a list ({4, 1, 8}); channel_shuffle with groups 2 and 3;
-- concat of the pieces in another order; mean over {2, 3} with keepdim
-- (-> N x C x 1 x 1) and without (-> N x C). The golden input holds two
-- batches (4 samples). PyTorch twin: ShuffleSplit in tests/golden/nets.py.

local x = input { name = "x", shape = { 2, 3, 11, 9 } }
local s = x:conv2d { name = "stem", out_channels = 13, kernel_size = 3, padding = 1 }
s = s:relu()                                                                 -- 13x11x9
local a, b = s:chunk { chunks = 2 }                                          -- 7, 6
b = b:conv2d { name = "b1", out_channels = 5, kernel_size = 3, padding = 1 }
b = b:batch_norm { name = "bn_b1" }:relu()                                   -- 5x11x9
local p, q, r = b:chunk { chunks = 4, name = "four" }                        -- 2, 2, 1
assert(select("#", b:chunk { chunks = 4 }) == 3, "4 chunks of 5 channels are 3")
local y = concat { r, a, q, p }:channel_shuffle { groups = 3 }               -- 12x11x9
local u, v, w = y:conv2d { name = "mix", out_channels = 13, kernel_size = 1 }:split { split_size_or_sections = 5 }
local z = concat { w, u:relu(), v }                                          -- 3 + 5 + 5
local i, j, k = split(z, { split_size_or_sections = { 4, 1, 8 } })
z = concat { k, i, j }                                                       -- 13x11x9
local t = concat { z, y, r }:channel_shuffle { groups = 2 }                  -- 26x11x9
local m = t:mean { dim = { 2, 3 }, keepdim = true }                          -- 26x1x1
m = m:conv2d { name = "head", out_channels = 6, kernel_size = 1 }            -- 6x1x1
local g = t:conv2d { name = "out", out_channels = 6, kernel_size = 3, stride = 2 }:mean { dim = { -1, -2 } }
return m:flatten():add(g)                                                    -- 6
