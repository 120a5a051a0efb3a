-- expect: tests/diag/add_shapes.lua:4: error: add: shapes 1x3x8x8 and 1x4x8x8 do not broadcast (dims aligned from the last must be equal or 1; dim 1 of the result: 3 against 4)
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local c = x:conv2d { name = "c1", out_channels = 4, kernel_size = 1 }
local y = add(x, c)
return y
