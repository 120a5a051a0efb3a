-- constfold: chunk into 1 piece, split by a size >= C and channel_shuffle
-- with 1 group are the identity; chunk and split pieces smaller than
-- their input and channel_shuffle with 2 groups compute.
-- run: report --dump-ir=constfold
local x = input { name = "x", shape = { 1, 6, 5, 3 } }
local c = x:conv2d { name = "conv", out_channels = 6, kernel_size = 1 }
local w = c:chunk { chunks = 1 }
local s = w:split { split_size_or_sections = 7 }
local g = s:channel_shuffle { groups = 1 }
local a, b = g:chunk { chunks = 2 }
local p, q = split(g, { split_size_or_sections = { 4, 2 } })
return concat { b, a, q, p }:channel_shuffle { groups = 2 }:mean { dim = { 3, 2 }, keepdim = true }
-- expect:
-- # after constfold
-- # model constfold_chunk_shuffle (tests/passes/constfold_chunk_shuffle.lua): 12 nodes, input %0, output %11
-- %0 = input name=x : 1x6x5x3  # line 5
-- %1 = conv2d %0 name=conv out_channels=6 kernel=1x1 stride=1x1 bias : 1x6x5x3  # line 6
-- %2 = chunk %1 name=chunk_2 dim=1 slice=0+6 dead : 1x6x5x3  # line 7
-- %3 = split %1 name=split_3 dim=1 slice=0+6 dead : 1x6x5x3  # line 8
-- %4 = channel_shuffle %1 name=channel_shuffle_4 dead : 1x6x5x3  # line 9
-- %5 = chunk %1 name=chunk_5 dim=1 slice=0+3 : 1x3x5x3  # line 10
-- %6 = chunk %1 name=chunk_6 dim=1 slice=3+3 : 1x3x5x3  # line 10
-- %7 = split %1 name=split_7 dim=1 slice=0+4 : 1x4x5x3  # line 11
-- %8 = split %1 name=split_8 dim=1 slice=4+2 : 1x2x5x3  # line 11
-- %9 = concat %6, %5, %8, %7 name=concat_9 : 1x12x5x3  # line 12
-- %10 = channel_shuffle %9 name=channel_shuffle_10 groups=2 : 1x12x5x3  # line 12
-- %11 = mean %10 name=mean_11 dim={3,2} keepdim : 1x12x1x1  # line 12
