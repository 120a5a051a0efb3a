-- expect: tests/diag/elu_alpha_string.lua:4: error: elu: option 'alpha' must be a number a float can hold (|x| <= 3.4e38), got string x
local x = input { name = "image", shape = { 1, 3, 5, 7 } }
-- elu's one option is a float, from its row of runtime/acts.def
return x:elu { alpha = "x" }
