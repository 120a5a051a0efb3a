-- expect: tests/diag/sb_load_reader.lua:3: error: load: the sandbox loads only strings of Lua source
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local f = load(function() return nil end)
return x
