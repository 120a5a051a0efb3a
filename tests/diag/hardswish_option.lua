-- expect: tests/diag/hardswish_option.lua:4: error: hardswish: unknown option 'inplace' (expected one of: name)
local x = input { name = "image", shape = { 1, 3, 5, 7 } }
-- hardswish takes no options (as torch.nn.functional.hardswish)
return x:hardswish { inplace = true }
