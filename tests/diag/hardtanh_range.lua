-- expect: tests/diag/hardtanh_range.lua:5: error: hardtanh: min_val = 2.0 is above max_val = 1.0 (expected min_val <= max_val)
local x = input { name = "image", shape = { 1, 3, 5, 7 } }
-- torch.nn.Hardtanh asserts max_val > min_val; F.hardtanh would clamp
-- everything to max_val silently: refused here
return hardtanh(x, { min_val = 2, max_val = 1 })
