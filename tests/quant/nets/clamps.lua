-- The clamps an int8 region keeps in uint8 on their input's grid:
-- hardtanh with an off-center range after a conv (FX shares the conv's
-- observer), relu6 after a depthwise conv, hardtanh at its defaults after
-- a linear; and a dropout, which FX observes on its own but PyTorch's
-- quantized Dropout leaves on its input's grid. Also a layer scale (a
-- (C, 1, 1) param times the relu6's output), whose param FX observes as
-- an input and quantizes, and a linear over the last dim of a 4-D value
-- (no uint8 kernel: float32 on its int8 weights dequantized; PyTorch's
-- quantized Linear takes any rank). PyTorch twin: Clamps in
-- tests/quant/test_oracle.py.

local x = input { name = "x", shape = { 1, 5, 9, 11 } }
x = x:conv2d { name = "c1", out_channels = 12, kernel_size = 3, padding = 1 }                    -- 12x9x11
x = x:hardtanh { min_val = -0.5, max_val = 2 }
x = x:linear { name = "pw", out_features = 11 }                                               -- 12x9x11
x = x:conv2d { name = "dw", out_channels = 12, kernel_size = 3, stride = 2, padding = 1, groups = 12 } -- 12x5x6
x = x:relu6() * param { name = "gamma", shape = { 12, 1, 1 } }
x = x:adaptive_avg_pool2d { output_size = 1 }:flatten()                                          -- 12
x = x:dropout { name = "drop", p = 0.2 }
x = x:linear { name = "fc", out_features = 9 }
return x:hardtanh()
