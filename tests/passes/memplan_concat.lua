-- memplan, above -O0: a concat's inputs are written into its channels by
-- their producers (@%H[A..B]: channels A..B of concat H's buffer), and a
-- concat whose inputs already lie there in order is a view that copies
-- nothing: DenseNet's pattern, each layer reading the concat of every map
-- before it (the layers' concats %3 and %5 are channels 0..7 and 0..10 of
-- %8, where the relu %1 and the convs %2, %4 and %6 write). Copied
-- instead: the model's input (the caller's) into %8; %4 and %2 into %7,
-- in another order (a value lives in one place: the later concat, %8,
-- took them first). The sigmoid %9 reads %1 last, yet does not write over
-- it (@ws+, not @%8): %1 lives in %8's channels, which the conv %10 reads
-- after.
-- run: report --dump-ir=memplan
local x = input { name = "x", shape = { 1, 5, 7, 3 } }
local s = x:relu()
local function layer(features, name)
	return concat(features):conv2d { name = name, out_channels = 3, kernel_size = 1 }:tanh()
end
local features = { s }
for i = 1, 3 do
	features[i + 1] = layer(features, "l" .. i)
end
local u = concat { features[3], features[2] }
local block = concat { features[1], features[2], features[3], features[4], x }
local q = s:sigmoid()
local y = block:conv2d { name = "mix", out_channels = 5, kernel_size = 1 }
return (u:conv2d { name = "mix2", out_channels = 5, kernel_size = 1 } + y) * q
-- expect:
-- # after memplan
-- # model memplan_concat (tests/passes/memplan_concat.lua): 13 nodes, input %0, output %12
-- %0 = input name=x : 1x5x7x3 @input  # line 13
-- %1 = relu %0 name=relu_1 : 1x5x7x3 @%8[0..4]  # line 14
-- %2 = conv2d %1 name=l1 out_channels=3 kernel=1x1 stride=1x1 bias act=tanh algo=gemm scratch=640 : 1x3x7x3 @%8[5..7]  # line 16
-- %3 = concat %1, %2 name=concat_5 : 1x8x7x3 @%8[0..7]  # line 16
-- %4 = conv2d %3 name=l2 out_channels=3 kernel=1x1 stride=1x1 bias act=tanh algo=gemm scratch=1024 : 1x3x7x3 @%8[8..10]  # line 16
-- %5 = concat %1, %2, %4 name=concat_8 : 1x11x7x3 @%8[0..10]  # line 16
-- %6 = conv2d %5 name=l3 out_channels=3 kernel=1x1 stride=1x1 bias act=tanh algo=gemm scratch=1408 : 1x3x7x3 @%8[11..13]  # line 16
-- %7 = concat %4, %2 name=concat_11 : 1x6x7x3 @ws+4032  # line 22
-- %8 = concat %1, %2, %4, %6, %0 name=concat_12 : 1x19x7x3 @ws+2432  # line 23
-- %9 = sigmoid %1 name=sigmoid_13 : 1x5x7x3 @ws+4544  # line 24
-- %10 = conv2d %8 name=mix out_channels=5 kernel=1x1 stride=1x1 bias algo=gemm scratch=2432 : 1x5x7x3 @ws+4992  # line 25
-- %11 = conv2d %7, %10 name=mix2 out_channels=5 kernel=1x1 stride=1x1 bias residual algo=gemm scratch=768 : 1x5x7x3 @output  # line 26
-- %12 = mul %11, %9 name=mul_17 : 1x5x7x3 @%11  # line 26
