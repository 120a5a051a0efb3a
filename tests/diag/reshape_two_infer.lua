-- expect: tests/diag/reshape_two_infer.lua:3: error: reshape: shape {1, -1, 8, -1} has more than one -1; at most one dim may be inferred
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
return x:reshape { shape = { 1, -1, 8, -1 } }
