-- constfold: a dropout whose removal would make the graph's output its
-- input stays (the caller's output buffer must still be written); the
-- dropout before it goes, so the last one reads the input.
-- run: report --dump-ir=constfold
local x = input { name = "x", shape = { 1, 3, 5, 5 } }
local d = x:dropout { p = 0.1 }
return d:dropout { p = 0.2 }
-- expect:
-- # after constfold
-- # model constfold_output_input (tests/passes/constfold_output_input.lua): 3 nodes, input %0, output %2
-- %0 = input name=x : 1x3x5x5  # line 5
-- %1 = dropout %0 name=dropout_1 p=0.1 dead : 1x3x5x5  # line 6
-- %2 = dropout %0 name=dropout_2 p=0.2 : 1x3x5x5  # line 7
