-- expect: tests/diag/pad_crop_all.lua:4: error: pad: output width 0 (9 -5 -4) is out of range (1..16777216)
local x = input { name = "x", shape = { 1, 3, 7, 9 } }
-- cropping 5 + 4 of 9 columns leaves none
return pad(x, { pad = { -5, -4, 0, 0 } })
