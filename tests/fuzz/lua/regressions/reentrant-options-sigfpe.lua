local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local y = x
for i = 1, 61 do y = y:relu() end
local opts = setmetatable({}, { __index = function(t, k)
  if k == "name" then for i = 1, 10 do x:relu() end return "c1" end
  if k == "kernel_size" then return 2 end
  if k == "out_channels" then return 4 end
end })
return y:conv2d(opts)
