-- layout: with --algo winograd and --layout nhwc the Winograd conv keeps
-- its algorithm, which has no NHWC kernel, so it stays NCHW between
-- reorders, while the 1x1 conv before it and the depthwise conv after it
-- (with its relu fused) go NHWC: reorders x -> nhwc, conv1 -> nchw, wino
-- -> nhwc, dw -> nchw (the output).
-- run: report --algo winograd --layout nhwc --dump-ir=layout
local x = input { name = "x", shape = { 1, 16, 12, 12 } }
local c1 = x:conv2d { name = "conv1", out_channels = 16, kernel_size = 1 }
local w = c1:conv2d { name = "wino", out_channels = 16, kernel_size = 3, padding = 1 }
local d = w:conv2d { name = "dw", out_channels = 16, kernel_size = 3, padding = 1, groups = 16 }
return d:relu()
-- expect:
-- # after layout
-- # model layout_kept_algorithm (tests/passes/layout_kept_algorithm.lua): 8 nodes, input %0, output %7
-- %0 = input name=x : 1x16x12x12  # line 7
-- %1 = reorder %0 name=x.to_nhwc layout=nhwc : 1x16x12x12  # line 7
-- %2 = conv2d %1 name=conv1 out_channels=16 kernel=1x1 stride=1x1 bias algo=gemm layout=nhwc : 1x16x12x12  # line 8
-- %3 = reorder %2 name=conv1.to_nchw : 1x16x12x12  # line 8
-- %4 = conv2d %3 name=wino out_channels=16 kernel=3x3 stride=1x1 pad=1x1 bias algo=winograd4 scratch=234432 : 1x16x12x12  # line 9
-- %5 = reorder %4 name=wino.to_nhwc layout=nhwc : 1x16x12x12  # line 9
-- %6 = conv2d %5 name=dw out_channels=16 kernel=3x3 stride=1x1 pad=1x1 groups=16 bias act=relu layout=nhwc : 1x16x12x12  # line 10
-- %7 = reorder %6 name=dw.to_nchw : 1x16x12x12  # line 10
