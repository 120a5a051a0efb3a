-- expect: tests/diag/reentrant_options.lua:14: error: conv2d: kernel height 20 (with dilation) is larger than the padded input 8 (8 + 2*0)
-- Reading conv2d's options runs model code (an __index metamethod) that
-- calls more ops and moves the node array. The options read after that
-- must still reach the conv2d; they used to land in the old copy, leaving
-- groups = 0 and cnnc dead of SIGFPE (found by reading, while fuzzing).
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local y = x
for i = 1, 62 do y = y:relu() end
local opts = setmetatable({}, { __index = function(t, k)
  if k == "name" then for i = 1, 10 do x:relu() end return "c1" end
  if k == "kernel_size" then return 20 end
  if k == "out_channels" then return 4 end
end })
return y:conv2d(opts)
