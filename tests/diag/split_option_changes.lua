-- expect: tests/diag/split_option_changes.lua:12: error: split: option 'split_size_or_sections' changed while it was read (expected an integer from 1 to 16777216 (the size of each piece), or a list of 1 to 1024 of them (the size of every piece))
-- an options table whose __index answers 3 the first time, then a list
-- whose __len claims more entries than the option table allows
local x = input { name = "image", shape = { 1, 6, 8, 8 } }
local reads = 0
local bad = setmetatable({}, { __len = function() return 5000 end })
local opts = setmetatable({}, { __index = function(_, key)
	if key ~= "split_size_or_sections" then return nil end
	reads = reads + 1
	return reads == 1 and 3 or bad
end })
local a, b = x:split(opts)
return a
