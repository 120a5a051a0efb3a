-- A conv whose output feeds a batch_norm and, besides, a sigmoid that
-- nothing uses. The model's output does not depend on the sigmoid, so
-- dce removes it before fold_bn looks for other readers: bn1 folds into
-- c1 and the relu fuses, in `cnnc report` as in `cnnc compile` (issue 15:
-- report used to say "bn1 not folded: c1's output has other readers").
-- expect: bn1 folded into c1; relu fused into c1; sigmoid removed

local x = input { name = "x", shape = { 1, 3, 8, 8 } }
local c = x:conv2d { name = "c1", out_channels = 4, kernel_size = 3, padding = 1, bias = false }
local unused = c:sigmoid()
return c:batch_norm { name = "bn1" }:relu()
