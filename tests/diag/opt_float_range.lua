-- expect: tests/diag/opt_float_range.lua:4: error: leaky_relu: option 'negative_slope' must be a number a float can hold (|x| <= 3.4e38), got number 1e+300
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
-- 1e300 is a finite double but infinite as the float the kernels use
return x:leaky_relu { negative_slope = 1e300 }
