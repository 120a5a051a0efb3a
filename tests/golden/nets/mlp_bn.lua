-- Stresses: a 2-D input (batch 3 x 37 features, no conv at all); linear,
-- batch norm after a linear layer, tanh, dropout, softmax at the end.
-- PyTorch twin: MlpBn in tests/golden/nets.py.

local x = input { name = "features", shape = { 3, 37 } }
x = x:linear { name = "fc1", out_features = 13 }
x = x:batch_norm { name = "bn1" }
x = x:tanh()
x = x:dropout { p = 0.5 }
x = x:linear { name = "fc2", out_features = 5 }
return x:softmax()
