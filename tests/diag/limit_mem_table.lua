-- expect: tests/diag/limit_mem_table.lua:4: error: model exceeded the memory limit (256 MB)
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local t = {}
while true do t[#t + 1] = { #t } end
return x
