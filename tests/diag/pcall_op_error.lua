-- expect: tests/diag/pcall_op_error.lua:4: error: conv2d: option 'out_channels' must be an integer from 1 to 16777216, got number 0
-- An op error caught by pcall is still fatal: the model cannot go on with a half-built node.
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local ok = pcall(conv2d, x, { name = "c", out_channels = 0, kernel_size = 3 })
return x:relu()
