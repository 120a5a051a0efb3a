-- Stresses the chunk and split pieces that are read in place (views into
-- their input, above -O0; batch 1): pieces of the model's input, pieces
-- on NCHW8c block borders (and ones that are not, so copied), a piece of
-- a piece, N x F pieces of a mean, and a piece that is the model's output
-- (always copied). PyTorch twin: ChunkViews in tests/golden/nets.py.

local x = input { name = "x", shape = { 1, 21, 7, 5 } }
local a, b = x:split { split_size_or_sections = { 8, 13 } }                   -- 8, 13
local c = b:conv2d { name = "c1", out_channels = 24, kernel_size = 3, padding = 1 }:relu()
local p, q, r = c:chunk { chunks = 3 }                                        -- 8, 8, 8
local s, t = q:split { split_size_or_sections = { 3, 5 } }                    -- 3, 5
a = a:conv2d { name = "c2", out_channels = 8, kernel_size = 1 }
local y = concat { a, p, t, r, s }:channel_shuffle { groups = 4 }             -- 32x7x5
local z = y:conv2d { name = "c3", out_channels = 10, kernel_size = 3, stride = 2 }  -- 10x3x2
local o1, o2 = z:mean { dim = { 2, 3 } }:split { split_size_or_sections = 6 }  -- 6, 4
local f = concat { o2, o1 }:split { split_size_or_sections = { 7, 3 } }        -- the first: 7
return f
