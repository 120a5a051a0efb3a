-- fuse_prologue (after layout): a batch norm that follows a concat (no
-- conv to fold into) and the relu after it, read only by a 1x1 conv2d on
-- the GEMM path, are applied by that conv as it packs its input: the conv
-- reads the concat itself and says `prologue=NAME+relu` (NAME alone
-- without a relu); the batch norm and relu are gone. So are a batch norm
-- alone before a 1x1 conv of stride 2 (im2col). Left as they are: a
-- batch norm whose relu a 3x3 conv reads (padding: zeros must stay zeros
-- after the norm, which a prologue would not give), and one with a second
-- reader (the add).
-- run: report --dump-ir=prologue
local x = input { name = "x", shape = { 1, 5, 7, 3 } }
local a = x:conv2d { name = "a", out_channels = 8, kernel_size = 3, padding = 1 }
local c = concat { x, a }                                                              -- 13
local y = c:batch_norm { name = "n1" }:relu():conv2d { name = "c1", out_channels = 6, kernel_size = 1 }
local z = c:batch_norm { name = "n2" }:conv2d { name = "c2", out_channels = 6, kernel_size = 1, stride = 2 }
local w = c:batch_norm { name = "n3" }:relu():conv2d { name = "c3", out_channels = 6, kernel_size = 3, padding = 1 }
local n4 = c:batch_norm { name = "n4" }
local v = n4:conv2d { name = "c4", out_channels = 13, kernel_size = 1 } + n4
return concat { y + w, v }:add(z:adaptive_avg_pool2d { output_size = 1 }:conv2d { name = "up", out_channels = 19, kernel_size = 1 })
-- expect:
-- # after prologue
-- # model fuse_prologue (tests/passes/fuse_prologue.lua): 14 nodes, input %0, output %13
-- %0 = input name=x : 1x5x7x3  # line 11
-- %1 = conv2d %0 name=a out_channels=8 kernel=3x3 stride=1x1 pad=1x1 bias algo=im2col scratch=5760 : 1x8x7x3  # line 12
-- %2 = concat %0, %1 name=concat_2 : 1x13x7x3  # line 13
-- %3 = conv2d %2 name=c1 out_channels=6 kernel=1x1 stride=1x1 bias prologue=n1+relu algo=gemm scratch=1664 : 1x6x7x3  # line 14
-- %4 = conv2d %2 name=c2 out_channels=6 kernel=1x1 stride=2x2 bias prologue=n2 algo=im2col scratch=832 : 1x6x4x2  # line 15
-- %5 = batch_norm %2 name=n3 eps=1e-05 : 1x13x7x3  # line 16
-- %6 = relu %5 name=relu_9 : 1x13x7x3  # line 16
-- %7 = conv2d %6, %3 name=c3 out_channels=6 kernel=3x3 stride=1x1 pad=1x1 bias residual algo=im2col scratch=14976 : 1x6x7x3  # line 16
-- %8 = batch_norm %2 name=n4 eps=1e-05 : 1x13x7x3  # line 17
-- %9 = conv2d %8, %8 name=c4 out_channels=13 kernel=1x1 stride=1x1 bias residual algo=gemm scratch=1664 : 1x13x7x3  # line 18
-- %10 = concat %7, %9 name=concat_15 : 1x19x7x3  # line 19
-- %11 = adaptive_avg_pool2d %4 name=adaptive_avg_pool2d_16 out_size=1x1 : 1x6x1x1  # line 19
-- %12 = conv2d %11 name=up out_channels=19 kernel=1x1 stride=1x1 bias algo=gemm scratch=384 : 1x19x1x1  # line 19
-- %13 = add %10, %12 name=add_18 : 1x19x7x3  # line 19
