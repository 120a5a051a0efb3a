-- expect: tests/diag/limelumem_string.lua: error: modal x = input { name = "image", shape = { 1, 3, 8, 8 } }
local s = "x"
while true do s = s ..# s end
return x
