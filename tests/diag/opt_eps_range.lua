-- expect: tests/diag/opt_eps_range.lua:4: error: batch_norm: option 'eps' must be a number > 0 a float can hold (<= 3.4e38), got number 1e+300
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
-- eps is added to the variance as a float: 1e300 would be inf
return x:batch_norm { name = "bn", eps = 1e300 }
