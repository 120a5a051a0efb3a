-- expect: tests/diag/reshape_batch.lua:3: error: reshape: shape {1, -1} makes dim 0 (the batch) 1, but the input's batch is 2; the batch must stay as it is (write x.shape[1] for it)
local x = input { name = "image", shape = { 2, 3, 8, 8 } }
return x:reshape { shape = { 1, -1 } }
