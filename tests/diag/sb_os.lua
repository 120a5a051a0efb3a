-- expect: tests/diag/sb_os.lua:3: error: attempt to index a nil value (global 'os')
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
os.execute("touch /tmp/cnnc_sandbox_escaped")
return x
