-- The chapter's exercise 1: the feature extractor of a small CNN on a
-- 3x32x32 (CIFAR-sized) image, two conv + relu + max-pool stages.
-- 78,720 params (conv1 4,864 + conv2 73,856). The matching PyTorch module is
-- ChapterEx1 in tests/zoo/nets.py.

local x = input { name = "image", shape = { 1, 3, 32, 32 } }
return x:conv2d { name = "conv1", out_channels = 64, kernel_size = 5, padding = 2 }   -- 64x32x32
        :relu()
        :max_pool2d { kernel_size = 2 }                                                 -- 64x16x16
        :conv2d { name = "conv2", out_channels = 128, kernel_size = 3, padding = 1 }  -- 128x16x16
        :relu()
        :max_pool2d { kernel_size = 2 }                                                 -- 128x8x8
