-- expect: tests/diag/limit_loop.lua:3: error: model exceeded the instruction limit (200 million instructions)
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
while true do end
return x
