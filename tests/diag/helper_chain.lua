-- expect: tests/diag/helper_chain.lua:12: error: conv2d: input channels (18) must be divisible by groups (4)
-- expect-next: tests/diag/helper_chain.lua:12: note: in 'dense_layer' (building layer 'block.layer3.conv'), called from tests/diag/helper_chain.lua:19
-- expect-next: tests/diag/helper_chain.lua:19: note: in 'dense_block', called from tests/diag/helper_chain.lua:24
-- An error inside a helper of the model (densenet's dense layer, called
-- once per layer) gives the line inside the helper, then the calls that
-- led there, innermost first, and the layer being built.
local x = input { name = "image", shape = { 1, 6, 8, 8 } }

local function dense_layer(t, i)
	local y = t:batch_norm { name = "block.layer" .. i .. ".norm" }
	y = y:relu()
	y = y:conv2d { name = "block.layer" .. i .. ".conv", out_channels = 6, kernel_size = 3, padding = 1, groups = i + 1 }
	return y
end

local function dense_block(t, n)
	for i = 1, n do
		-- layer 3 reads 18 channels, in groups of 4: fails
		t = concat { t, dense_layer(t, i) }
	end
	return t
end

local y = dense_block(x, 3)
return y
