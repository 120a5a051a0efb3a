-- expect: tests/diag/convt_no_name.lua:4: error: conv_transpose2d: missing required option 'name' (a non-empty string of letters, digits, '_', '.' and '-')
local x = input { name = "x", shape = { 1, 3, 7, 9 } }
-- its weights are learned: NAME.weight names them
return x:conv_transpose2d { out_channels = 4, kernel_size = 3 }
