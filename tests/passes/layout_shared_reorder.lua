-- layout: --layout blocked (NCHW8c): the input, read four times (twice by
-- the add, by the conv, by the concat), is reordered once and every reader
-- reads that reorder; the 1x1 conv runs as a GEMM over pixels; the output,
-- a concat in NCHW8c, gets a reorder back to NCHW that becomes the graph's
-- output.
-- run: report --layout blocked --dump-ir=layout
local x = input { name = "x", shape = { 1, 13, 5, 5 } }
local a = add(x, x)
local b = x:conv2d { name = "conv", out_channels = 13, kernel_size = 1 }
return concat { a, b, x }
-- expect:
-- # after layout
-- # model layout_shared_reorder (tests/passes/layout_shared_reorder.lua): 6 nodes, input %0, output %5
-- %0 = input name=x : 1x13x5x5  # line 7
-- %1 = reorder %0 name=x.to_nchw8c layout=nchw8c : 1x13x5x5  # line 7
-- %2 = add %1, %1 name=add_1 layout=nchw8c : 1x13x5x5  # line 8
-- %3 = conv2d %1 name=conv out_channels=13 kernel=1x1 stride=1x1 bias algo=gemm layout=nchw8c : 1x13x5x5  # line 9
-- %4 = concat %2, %3, %1 name=concat_3 layout=nchw8c : 1x39x5x5  # line 10
-- %5 = reorder %4 name=concat_3.to_nchw : 1x39x5x5  # line 10
