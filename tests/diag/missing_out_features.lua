-- expect: tests/diag/missing_out_features.lua:4: error: linear: missing required option 'out_features' (an integer from 1 to 16777216)
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local f = x:flatten()
local y = f:linear { name = "fc" }
return y
