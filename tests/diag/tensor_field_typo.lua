-- expect: tests/diag/tensor_field_typo.lua:4: error: a tensor has no field 'shap' (did you mean 'shape'?)
local x = input { name = "image", shape = { 1, 3, 8, 8 } }
-- not a nil that makes the branch below silently wrong
if x.shap then
	x = x:relu()
end
return x
