-- expect: tests/diag/chain_line.lua:4: error: max_pool2d: kernel height 9 is larger than the padded input 8 (8 + 2*0)
-- A method chain over several lines: Lua gives every call in it the chain's first line, so that is where the error points (documented in README).
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local y = x:conv2d { name = "c1", out_channels = 8, kernel_size = 3, padding = 1 }
           :relu()
           :max_pool2d { kernel_size = 9 }
return y
