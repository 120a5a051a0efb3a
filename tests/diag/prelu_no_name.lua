-- expect: tests/diag/prelu_no_name.lua:4: error: prelu: missing required option 'name' (a non-empty string of letters, digits, '_', '.' and '-')
local x = input { name = "image", shape = { 1, 13, 5, 7 } }
-- its slopes are learned: NAME.weight names them
return prelu(x)
