-- expect: tests/diag/hardtanh_max_string.lua:3: error: hardtanh: option 'max_val' must be a number a float can hold (|x| <= 3.4e38), got string 6
local x = input { name = "image", shape = { 1, 3, 5, 7 } }
return x:hardtanh { min_val = 0, max_val = "6" }
