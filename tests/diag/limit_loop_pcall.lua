-- expect: tests/diag/limit_loop_pcall.lua:3: error: model exceeded the instruction limit (200 million instructions)
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local ok = pcall(function()
  while true do end
end)
return x
