-- expect: tests/diag/pad_length.lua:4: error: pad: option 'pad' must be a list of 2 ({left, right}) or 4 ({left, right, top, bottom}) integers from -16777216 to 16777216, got table
local x = input { name = "x", shape = { 1, 3, 7, 9 } }
-- three pads: not {left, right} nor {left, right, top, bottom}
return x:pad { pad = { 1, 1, 1 } }
