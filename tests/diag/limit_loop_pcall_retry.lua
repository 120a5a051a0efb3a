-- expect: tests/diag/limit_loop_pcall_retry.lua:4: error: model exceeded the instruction limit (200 million instructions)
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
for i = 1, 1000000 do
  pcall(function() while true do end end)
end
return x
