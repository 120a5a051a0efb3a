-- expect: tests/diag/sb_tensor_setmt.lua:3: error: bad argument #1 to 'setmetatable' (table expected, got cnnc.tensor)
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
setmetatable(x, { __index = function() return 1 end })
return x
