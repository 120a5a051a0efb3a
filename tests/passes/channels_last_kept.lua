-- channels_last: regions it leaves as written, the permutes running as
-- copies: a reshape reads the region (not a per-pixel op); a layer_norm
-- over two dims; a (C) param that another op reads too; a region whose
-- relu a flatten reads (its exit permute(0, 3, 1, 2) stays too).
-- run: report --dump-ir=channels_last
local x = input { name = "x", shape = { 1, 6, 5, 7 } }
local r = x:permute { dims = { 0, 2, 3, 1 } }:linear { name = "fc1", out_features = 6 }
r = r:reshape { shape = { 1, -1, 6 } }
local n = x:permute { dims = { 0, 2, 3, 1 } }:layer_norm { name = "ln", normalized_shape = { 7, 6 } }
local g = param { name = "g", shape = { 6 } }
local p = x:permute { dims = { 0, 2, 3, 1 } }:mul(g):permute { dims = { 0, 3, 1, 2 } }
local t = x:permute { dims = { 0, 2, 3, 1 } }
local back = t:permute { dims = { 0, 3, 1, 2 } }
local s = p:add(back):mean { dim = { 2, 3 } }:add(g)
local out = t:relu():flatten():add(r:flatten()):add(n:flatten())
return out:add(s:linear { name = "fc2", out_features = 210 })
-- expect:
-- # after channels_last
-- # model channels_last_kept (tests/passes/channels_last_kept.lua): 23 nodes, input %0, output %22
-- %0 = input name=x : 1x6x5x7  # line 6
-- %1 = permute %0 name=permute_1 dim={0,2,3,1} : 1x5x7x6  # line 7
-- %2 = linear %1 name=fc1 out_features=6 bias : 1x5x7x6  # line 7
-- %3 = reshape %2 name=reshape_3 shape={1,-1,6} : 1x35x6  # line 8
-- %4 = permute %0 name=permute_4 dim={0,2,3,1} : 1x5x7x6  # line 9
-- %5 = layer_norm %4 name=ln eps=1e-05 normalized_shape={7,6} affine : 1x5x7x6  # line 9
-- %6 = param name=g weights=6 : 1x6  # line 10
-- %7 = permute %0 name=permute_7 dim={0,2,3,1} : 1x5x7x6  # line 11
-- %8 = mul %7, %6 name=mul_8 : 1x5x7x6  # line 11
-- %9 = permute %8 name=permute_9 dim={0,3,1,2} : 1x6x5x7  # line 11
-- %10 = permute %0 name=permute_10 dim={0,2,3,1} : 1x5x7x6  # line 12
-- %11 = permute %10 name=permute_11 dim={0,3,1,2} : 1x6x5x7  # line 13
-- %12 = add %9, %11 name=add_12 : 1x6x5x7  # line 14
-- %13 = mean %12 name=mean_13 dim={2,3} : 1x6  # line 14
-- %14 = add %13, %6 name=add_14 : 1x6  # line 14
-- %15 = relu %10 name=relu_15 : 1x5x7x6  # line 15
-- %16 = flatten %15 name=flatten_16 : 1x210  # line 15
-- %17 = flatten %3 name=flatten_17 : 1x210  # line 15
-- %18 = add %16, %17 name=add_18 : 1x210  # line 15
-- %19 = flatten %5 name=flatten_19 : 1x210  # line 15
-- %20 = add %18, %19 name=add_20 : 1x210  # line 15
-- %21 = linear %14 name=fc2 out_features=210 bias : 1x210  # line 16
-- %22 = add %20, %21 name=add_22 : 1x210  # line 16
