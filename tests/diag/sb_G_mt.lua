-- expect: tests/diag/sb_G_mt.lua:5: error: attempt to index a nil value (global 'os')
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
-- a metatable on _G cannot conjure globals the sandbox removed
setmetatable(_G, { __index = function(_, k) return rawget(_G, "_" .. k) end })
local run = os.execute
return x
