-- expect: tests/diag/sb_load_binary.lua:4: error: attempt to load a binary chunk (mode is 't')
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local f, err = load("\27Lua\84\0\25\147\13\10\26\10\4\8\8", "=bin", "b")
error(err)
return x
