-- expect: tests/diag/numel_overflow.lua:4: error: input: output shape 16777216x16777216x16777216x4 is out of range (each dim 1..16777216, at most 2147483647 elements)
-- Dims each within the limit whose product (2^74) overflows 64 bits: the
-- element count saturates instead of wrapping to 0, and is refused.
local x = input { name = "x", shape = { 16777216, 16777216, 16777216, 4 } }
return x:relu()
