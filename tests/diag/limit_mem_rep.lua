-- expect: tests/diag/limit_mem_rep.lua: error: model exceeded the memory limit (256 MB)
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local s = string.rep("x", 1 << 30)
return x
