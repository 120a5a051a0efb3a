-- memplan: an element-wise op writes over an input of its own shape that
-- nothing reads after it (@%H in the dump: node H's buffer):
-- squeeze-and-excitation's scale (mul of the pooled gates and the conv's
-- output) and the relu after it take the conv's buffer, so the block
-- needs no second full-size buffer; the sigmoid takes fc's; the last add
-- takes tanh's (the caller's output). Not in place: the relu of the
-- model's input (the caller's, read-only); the tanh, whose input is a
-- view (dropout) of a value the add reads later.
-- run: report -O0 --dump-ir=memplan
local x = input { name = "x", shape = { 1, 8, 5, 5 } }
local n = x:relu()
local c = n:conv2d { name = "conv", out_channels = 8, kernel_size = 3, padding = 1 }
local s = c:adaptive_avg_pool2d { output_size = 1 }
s = s:conv2d { name = "fc", out_channels = 8, kernel_size = 1 }:sigmoid()
local y = mul(s, c):relu()
local d = y:dropout { p = 0.5 }
local t = d:tanh()
return t:add(y)
-- expect:
-- # after memplan
-- # model memplan_in_place (tests/passes/memplan_in_place.lua): 11 nodes, input %0, output %10
-- %0 = input name=x : 1x8x5x5 @input  # line 10
-- %1 = relu %0 name=relu_1 : 1x8x5x5 @ws+0  # line 11
-- %2 = conv2d %1 name=conv out_channels=8 kernel=3x3 stride=1x1 pad=1x1 bias : 1x8x5x5 @ws+832  # line 12
-- %3 = adaptive_avg_pool2d %2 name=adaptive_avg_pool2d_3 out_size=1x1 : 1x8x1x1 @ws+0  # line 13
-- %4 = conv2d %3 name=fc out_channels=8 kernel=1x1 stride=1x1 bias : 1x8x1x1 @ws+64  # line 14
-- %5 = sigmoid %4 name=sigmoid_5 : 1x8x1x1 @%4  # line 14
-- %6 = mul %5, %2 name=mul_6 : 1x8x5x5 @%2  # line 15
-- %7 = relu %6 name=relu_7 : 1x8x5x5 @%2  # line 15
-- %8 = dropout %7 name=dropout_8 p=0.5 : 1x8x5x5 @%2  # line 16
-- %9 = tanh %8 name=tanh_9 : 1x8x5x5 @output  # line 17
-- %10 = add %9, %7 name=add_10 : 1x8x5x5 @%9  # line 18
