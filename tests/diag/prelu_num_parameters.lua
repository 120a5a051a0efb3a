-- expect: tests/diag/prelu_num_parameters.lua:4: error: prelu: num_parameters (5) must be 1 or the input's channels (13)
local x = input { name = "image", shape = { 1, 13, 5, 7 } }
-- torch.nn.PReLU(num_parameters) takes one slope or one per channel
return x:prelu { name = "act", num_parameters = 5 }
