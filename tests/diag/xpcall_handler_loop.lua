-- expect: tests/diag/xpcall_handler_loop.lua:4: error: model exceeded the instruction limit (200 million instructions)
-- An endless xpcall message handler: it runs as an ordinary call, under the count hook.
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
local ok = xpcall(error, function() while true do end end)
return x
