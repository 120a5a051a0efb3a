-- expect: tests/diag/syntax_error.lua:3: error: unexpected symbol near ')'
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local y = x:conv2d { name = "c1", out_channels = 8, kernel_size = 3 })
return y
