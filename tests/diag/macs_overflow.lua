-- expect: tests/diag/macs_overflow.lua:8: error: conv2d: the model passes 1155174769004380160 multiply-accumulates here (limit 2^60 = 1152921504606846976)
-- Each conv is within every size limit (about 2^28 inputs, weights and
-- outputs each), but together they pass 2^60 multiply-accumulates; summed
-- unchecked they went negative in report. Refused at the layer that
-- crosses the limit.
local x = input { name = "x", shape = { 1, 1, 16384, 16384 } }
for i = 1, 20 do
  x = x:conv2d { name = "c" .. i, out_channels = 1, kernel_size = 16384, padding = 8192 }
  x = x:max_pool2d { kernel_size = 2, stride = 1, padding = 1 }
end
return x
