-- expect: tests/diag/limit_mem_pcall.lua: error: model exceeded the memory limit (256 MB)
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local ok = pcall(function()
  local s = "x"
  while true do s = s .. s end
end)
return x
