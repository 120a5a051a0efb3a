"""PyTorch twins of the odd-shape test networks in tests/golden/nets/*.lua.

Each network here is the same computation as the Lua file of the same name,
with the same parameter names (state_dict keys == Lua layer names), so a
state_dict saved as safetensors compiles with the Lua file and the compiled
program must reproduce this module's output.

    build(name) -> (module, input_shape)     input_shape includes the batch
    NETS                                     every network's name

A module may set `golden_gain` (default 1; a number, or {layer name: gain}):
make_golden.py scales those layers' weights by it so activations reach the
ranges an op cares about (relu6 clipping at 6, sigmoid/tanh saturation).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class OddConv(nn.Module):
    """1x3x17x23; stride 2 / padding 0; {3,5} kernel, padding 2, dilation 2;
    depthwise with stride {1,2}; {1,3} kernel; 4-D output."""
    shape = (1, 3, 17, 23)
    golden_gain = {"bn3": 2.5}

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 13, 3, stride=2, padding=0)
        self.conv2 = nn.Conv2d(13, 37, (3, 5), padding=2, dilation=2)
        self.conv3 = nn.Conv2d(37, 37, 3, stride=(1, 2), padding=1, groups=37, bias=False)
        self.bn3 = nn.BatchNorm2d(37)
        self.conv4 = nn.Conv2d(37, 13, (1, 3), padding=(0, 1))

    def forward(self, x):
        x = F.relu(self.conv1(x))                   # 13x8x11
        x = F.leaky_relu(self.conv2(x), 0.2)        # 37x8x7
        x = F.relu6(self.bn3(self.conv3(x)))        # 37x8x4
        return self.conv4(x)                        # 13x8x4


class GroupsBn(nn.Module):
    """Batch 2; grouped convs (12->24 in 3 groups, 24->24 in 4 groups, a
    1x1 24->24 in 2 groups at stride (2, 3)), depthwise 5x5; batch norm on 4-D and on 2-D; dropout; softmax."""
    shape = (2, 12, 15, 9)
    golden_gain = {"conv1": 2.0, "conv2": 3.0, "bn3": 2.0, "fc1": 2.0}

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(12, 24, 3, padding=1, groups=3, bias=False)
        self.bn1 = nn.BatchNorm2d(24)
        self.conv2 = nn.Conv2d(24, 24, (3, 1), stride=2, padding=(1, 0), groups=4)
        self.conv2b = nn.Conv2d(24, 24, 1, stride=(2, 3), groups=2)
        self.conv3 = nn.Conv2d(24, 24, 5, padding=2, groups=24, bias=False)
        self.bn3 = nn.BatchNorm2d(24)
        self.fc1 = nn.Linear(24, 16)
        self.bn_fc = nn.BatchNorm1d(16)
        self.drop = nn.Dropout(0.3)
        self.fc2 = nn.Linear(16, 5)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))         # 24x15x9
        x = torch.sigmoid(self.conv2(x))            # 24x8x5
        x = self.conv2b(x)                          # 24x4x2
        x = F.relu6(self.bn3(self.conv3(x)))        # 24x4x2
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)  # 24
        x = self.drop(F.relu(self.bn_fc(self.fc1(x))))
        return F.softmax(self.fc2(x), dim=1)        # 5


class PoolsCeil(nn.Module):
    """ceil_mode pools where ceil changes the size and where PyTorch drops
    a last window that would start past the input; avg pools with padding
    with and without count_include_pad; non-square kernels and strides;
    leaky_relu with slope -1 (|x|: not max(x, slope*x))."""
    shape = (1, 6, 13, 19)

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(6, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 8, 1)
        self.conv3 = nn.Conv2d(8, 5, 1)

    def forward(self, x):
        x = self.conv1(x)                                               # 8x13x19
        x = F.max_pool2d(x, 2, 2, ceil_mode=True)                       # 8x7x10 (floor: 6x9)
        a = F.avg_pool2d(x, 3, 2, 1, ceil_mode=True)                    # 8x4x6 (floor: 4x5)
        b = F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False)
        x = self.conv2(a + b)                                           # 8x4x6
        x = F.max_pool2d(x, (3, 2), (2, 3), (1, 0), ceil_mode=True)     # 8x3x2 (W: last window dropped)
        c = F.avg_pool2d(x, (2, 3), (1, 2), (1, 1), count_include_pad=False)  # 8x4x1
        d = F.max_pool2d(x, (2, 3), (1, 2), (1, 1))                     # 8x4x1
        x = c + F.leaky_relu(d, -1.0)                                   # 8x4x1: c + |d|
        return self.conv3(x)  # 5x4x1; mixing channels breaks exact ties of overlapping pools


class AvgAdaptive(nn.Module):
    """adaptive_avg_pool2d 11x9 -> 4x3 (non-dividing) and to an int size;
    avg pools with padding, count_include_pad true and false; concat of
    equal channel counts; global_avg_pool then linear."""
    shape = (1, 3, 21, 17)

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 13, 3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(26, 7, 1)
        self.fc = nn.Linear(7 * 2 * 2, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))                                       # 13x11x9
        a = F.adaptive_avg_pool2d(x, (4, 3))                            # 13x4x3
        b = F.avg_pool2d(x, 3, 3, 1, count_include_pad=False)           # 13x4x3
        c = F.avg_pool2d(x, 3, 3, 1)                                    # 13x4x3
        x = torch.cat([a + b, c], dim=1)                                # 26x4x3
        x = F.adaptive_avg_pool2d(self.conv2(x), 2)                     # 7x2x2
        return self.fc(x.flatten(1))                                    # 10


class ConcatRes(nn.Module):
    """Batch 2; concat of 3 inputs with 3, 5 and 8 channels (one a pool);
    residual add; batch norm; global_avg_pool; flatten; linear."""
    shape = (2, 3, 16, 13)

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn_stem = nn.BatchNorm2d(8)
        self.b1 = nn.Conv2d(8, 3, 1)
        self.b2 = nn.Conv2d(8, 5, 3, padding=1)
        self.mix = nn.Conv2d(16, 8, 1, bias=False)
        self.bn_mix = nn.BatchNorm2d(8)
        self.fc = nn.Linear(8, 6)

    def forward(self, x):
        s = F.relu(self.bn_stem(self.stem(x)))                          # 8x16x13
        a = self.b1(s)                                                  # 3
        b = F.relu(self.b2(s))                                          # 5
        c = F.max_pool2d(s, 3, 1, 1)                                    # 8
        y = self.bn_mix(self.mix(torch.cat([a, b, c], dim=1)))          # 8x16x13
        y = F.relu(y + s)
        y = F.adaptive_avg_pool2d(y, 1).flatten(1)                      # 8
        return self.fc(y)                                               # 6


class Activations(nn.Module):
    """Every activation (relu, relu6, sigmoid, tanh, leaky_relu 0.2 and the
    default 0.01), one on the input itself; flatten of a 4-D tensor; linear,
    batch norm on 2-D, dropout."""
    shape = (1, 7, 10, 6)
    golden_gain = {"conv1": 3.0, "conv2": 8.0, "conv3": 4.0, "conv4": 4.0, "conv5": 3.0, "fc1": 3.0}

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(7, 13, 3, padding=1)
        self.conv2 = nn.Conv2d(13, 13, 3, padding=1)
        self.conv3 = nn.Conv2d(13, 13, 3, padding=1)
        self.conv4 = nn.Conv2d(13, 13, 3, padding=1)
        self.conv5 = nn.Conv2d(13, 13, 3, padding=1)
        self.fc1 = nn.Linear(13 * 10 * 6, 37)
        self.bn_fc = nn.BatchNorm1d(37)
        self.fc2 = nn.Linear(37, 10)

    def forward(self, x):
        x = F.leaky_relu(x, 0.2)
        x = F.relu(self.conv1(x))
        x = F.relu6(self.conv2(x))
        x = torch.sigmoid(self.conv3(x))
        x = torch.tanh(self.conv4(x))
        x = F.leaky_relu(self.conv5(x), 0.2)
        x = F.dropout(x.flatten(1), 0.25, training=False)               # 780
        x = F.leaky_relu(self.bn_fc(self.fc1(x)))                       # 37
        return self.fc2(x)                                              # 10


class Activations2(nn.Module):
    """The activations after the first five, each across the region where
    its formula turns: elu 0.5 on the input itself; hardswish past -3 and
    +3 (3x3 conv); hardsigmoid (depthwise, stride 2); silu (1x1 conv) and
    mish (dilated conv plus a residual) far out on both sides, mish past
    softplus's threshold 20; silu after a ceil_mode max pool; elu with its
    default alpha after a linear."""
    shape = (1, 5, 11, 9)
    golden_gain = {"conv1": 8.0, "conv2": 3.0, "conv3": 60.0, "conv4": 1.5, "fc1": 0.5, "fc2": 1.0}

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(5, 13, 3, padding=1)
        self.conv2 = nn.Conv2d(13, 13, 3, stride=2, padding=1, groups=13)
        self.conv3 = nn.Conv2d(13, 11, 1)
        self.conv4 = nn.Conv2d(11, 11, 3, padding=2, dilation=2)
        self.fc1 = nn.Linear(11 * 3 * 3, 17)
        self.fc2 = nn.Linear(17, 10)

    def forward(self, x):
        x = F.elu(x, 0.5)
        x = F.hardswish(self.conv1(x))                          # 13x11x9
        x = F.hardsigmoid(self.conv2(x))                        # 13x6x5
        x = F.silu(self.conv3(x))                               # 11x6x5
        x = F.mish(self.conv4(x) + x)                           # 11x6x5
        x = F.silu(F.max_pool2d(x, 2, ceil_mode=True))          # 11x3x3
        x = F.elu(self.fc1(x.flatten(1)))                       # 17
        return self.fc2(x)                                      # 10


class Activations3(nn.Module):
    """gelu (both ways), hardtanh and prelu where their formulas turn: gelu
    on the input itself; gelu tanh fused into a 3x3 conv; hardtanh(-0.5, 2)
    in a depthwise conv with stride 2; a per-channel prelu after a 1x1
    conv; gelu in a grouped conv, then hardtanh's defaults; a one-slope
    prelu after a ceil_mode pool, then hardtanh(0, 6); gelu tanh and a per-feature
    prelu after a linear. The slopes are set here, unequal and of both
    signs (PyTorch initializes every one to 0.25)."""
    shape = (1, 13, 9, 11)
    golden_gain = {"conv1": 3.0, "conv2": 2.0, "conv3": 4.0, "conv4": 3.0, "fc1": 2.0, "fc2": 1.0}

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(13, 37, 3, padding=1)
        self.conv2 = nn.Conv2d(37, 37, 3, stride=2, padding=1, groups=37)
        self.conv3 = nn.Conv2d(37, 13, 1)
        self.act3 = nn.PReLU(13)
        self.conv4 = nn.Conv2d(13, 26, 3, stride=2, padding=1, groups=13)
        self.act5 = nn.PReLU()
        self.fc1 = nn.Linear(26 * 2 * 2, 17)
        self.act6 = nn.PReLU(17)
        self.fc2 = nn.Linear(17, 10)
        with torch.no_grad():
            self.act3.weight.copy_(torch.linspace(-0.9, 1.7, 13))
            self.act5.weight.fill_(-0.35)
            self.act6.weight.copy_(torch.linspace(1.3, -0.6, 17))

    def forward(self, x):
        x = F.gelu(x)
        x = F.gelu(self.conv1(x), approximate="tanh")           # 37x9x11
        x = F.hardtanh(self.conv2(x), -0.5, 2.0)                # 37x5x6
        x = self.act3(self.conv3(x))                            # 13x5x6
        x = F.hardtanh(F.gelu(self.conv4(x)))                   # 26x3x3
        x = F.hardtanh(self.act5(F.max_pool2d(x, 2, ceil_mode=True)), 0.0, 6.0)  # 26x2x2
        x = F.gelu(self.fc1(x.flatten(1)), approximate="tanh")  # 17
        return self.fc2(self.act6(x))                           # 10


class MlpBn(nn.Module):
    """2-D input (batch 3 x 37 features); linear, batch norm on 2-D, tanh,
    dropout, softmax."""
    shape = (3, 37)

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(37, 13)
        self.bn1 = nn.BatchNorm1d(13)
        self.fc2 = nn.Linear(13, 5)

    def forward(self, x):
        x = torch.tanh(self.bn1(self.fc1(x)))
        x = F.dropout(x, 0.5, training=False)
        return F.softmax(self.fc2(x), dim=1)


class WinogradEdges(nn.Module):
    """Batch 2; 3x3 stride-1 convs with outputs 15x13, 13x11, 11x9 and 9x7
    (Winograd edge tiles), padding 1 and 0, channels 3, 13, 37; residual
    adds with relu and leaky_relu after; batch norm on a conv without bias."""
    shape = (2, 3, 15, 13)

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 13, 3, padding=1)
        self.conv2 = nn.Conv2d(13, 37, 3)
        self.conv3 = nn.Conv2d(37, 37, 3, padding=1)
        self.conv4 = nn.Conv2d(37, 37, 3, bias=False)
        self.bn4 = nn.BatchNorm2d(37)
        self.conv5 = nn.Conv2d(37, 37, 3, padding=1)
        self.conv6 = nn.Conv2d(37, 13, 3)

    def forward(self, x):
        x = F.relu(self.conv1(x))                                       # 13x15x13
        x = F.relu(self.conv2(x))                                       # 37x13x11
        x = F.relu(self.conv3(x) + x)                                   # 37x13x11
        x = F.relu(self.bn4(self.conv4(x)))                             # 37x11x9
        x = F.leaky_relu(self.conv5(x) + x, 0.1)                        # 37x11x9
        return self.conv6(x)                                            # 13x9x7


class Identities(nn.Module):
    """Ops that are the identity given their options next to ops of the
    same kind that compute, and relu/relu6 chains (see identities.lua)."""
    shape = (1, 5, 11, 9)
    golden_gain = {"conv1": 4.0, "conv2": 3.0}  # reach relu6's clip at 6

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(5, 13, 3)
        self.conv2 = nn.Conv2d(13, 7, 1)
        self.fc = nn.Linear(7 * 2 * 3, 6)

    def forward(self, x):
        x = self.conv1(x)                                   # 13x9x7
        r = F.relu(x)
        x = F.relu(F.relu6(r))
        x = F.max_pool2d(x, 1)
        x = F.avg_pool2d(x, 1, 1)
        x = F.adaptive_avg_pool2d(x, (9, 7))
        x = torch.cat([x], dim=1)
        x = F.dropout(x, 0.5, training=self.training)
        x = F.max_pool2d(x + r, 1, 2)                       # 13x5x4
        x = F.relu6(F.relu6(self.conv2(x)))                 # 7x5x4
        x = F.adaptive_avg_pool2d(x, (2, 3))                # 7x2x3
        return self.fc(x.flatten(1).flatten(1))             # 6


class StemDw(nn.Module):
    """Batch 2, odd 3x45x37 input; 7x7 stride-2 stem conv with batch norm;
    max pool; depthwise 3x3 stride 2 (even and odd planes) and stride 1,
    each with a residual and relu6."""
    shape = (2, 3, 45, 37)
    golden_gain = {"bn1": 2.0, "bn_dw1": 2.0, "dw2": 2.0, "dw3": 2.0}

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 13, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(13)
        self.dw1 = nn.Conv2d(13, 13, 3, stride=2, padding=1, groups=13, bias=False)
        self.bn_dw1 = nn.BatchNorm2d(13)
        self.dw2 = nn.Conv2d(13, 13, 3, padding=1, groups=13)
        self.dw3 = nn.Conv2d(13, 13, 3, stride=2, padding=1, groups=13)
        self.conv_out = nn.Conv2d(13, 37, 1)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))                             # 13x23x19
        p = F.max_pool2d(x, 3, 2, 1)                                    # 13x12x10
        y = F.relu6(self.bn_dw1(self.dw1(p)) + F.avg_pool2d(p, 3, 2, 1))  # 13x6x5
        z = F.relu6(self.dw2(y) + y)                                    # 13x6x5
        f = F.relu6(self.dw3(z) + F.max_pool2d(z, 3, 2, 1))             # 13x3x3
        return self.conv_out(f)                                         # 37x3x3


class BigWeights(nn.Module):
    """Batch 2, odd 37x19x37 input; a 3x3 stride-2 conv without padding to
    397 channels (weights past rt_gemm's cache threshold) with batch norm,
    a residual (1x1 stride-2 conv, then a 2x2 max pool) and relu6; a 1x1
    to 13 channels."""
    shape = (2, 37, 19, 37)
    golden_gain = {"bn1": 2.0}

    def __init__(self):
        super().__init__()
        self.skip = nn.Conv2d(37, 397, 1, stride=2)
        self.conv1 = nn.Conv2d(37, 397, 3, stride=2, bias=False)
        self.bn1 = nn.BatchNorm2d(397)
        self.conv2 = nn.Conv2d(397, 13, 1)

    def forward(self, x):
        skip = F.max_pool2d(self.skip(x), 2, 1)             # 397x9x18
        y = F.relu6(self.bn1(self.conv1(x)) + skip)         # 397x9x18
        return self.conv2(y)                                # 13x9x18


class Broadcast(nn.Module):
    """The binary ops and broadcasting: squeeze-and-excitation with the
    scale on the left, a (C, 1, 1) layer_scale, per-channel sub and div
    on either side, a (W) param, a one-channel
    divisor, sub of one shape, numbers on either side, -x, x * 1,
    stochastic_depth, a (F) param on N x F."""
    shape = (2, 13, 9, 7)
    golden_gain = {"gate": 2.0}

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(13, 16, 3, padding=1)
        self.se = nn.Module()
        self.se.fc1 = nn.Conv2d(16, 5, 1)
        self.se.fc2 = nn.Conv2d(5, 16, 1)
        self.layer_scale = nn.Parameter(torch.rand(16, 1, 1) + 0.5)
        self.row = nn.Parameter(torch.randn(7))
        self.gate = nn.Conv2d(16, 1, 1)
        self.conv2 = nn.Conv2d(16, 16, 3, padding=1)
        self.bias = nn.Parameter(torch.randn(192))
        self.fc = nn.Linear(192, 11)
        self.fc_row = nn.Linear(11, 11)

    def forward(self, x):
        x = self.conv1(x)
        s = F.adaptive_avg_pool2d(x, 1)
        s = torch.sigmoid(self.se.fc2(F.relu(self.se.fc1(s))))
        x = s * x
        x = x * self.layer_scale
        m = F.adaptive_avg_pool2d(x, 1)
        x = (x - m) / (torch.sigmoid(m) + 1)
        x = (m * 4 + 3) / (torch.sigmoid(x) + 0.5) - m
        x = x + self.row
        d = torch.sigmoid(self.gate(x))
        x = x / (d + 0.5)
        x = self.conv2(x) - x
        x = 3 - F.relu(x)
        x = -(x * 1)
        x = 2 / (torch.sigmoid(x) + 0.25)
        x = F.max_pool2d(x, 3, 2)
        x = x.flatten(1) + self.bias
        x = self.fc(x)
        z = self.fc_row(x)
        return x * torch.tanh(z - x)


class Resize(nn.Module):
    """interpolate: nearest x2, to a size, by {1.5, 1.7}; bilinear to a
    size, by {1.5, 0.7} with align_corners, by 1.3, down to 4 x 28 (W
    kept), to 1 x 1 with align_corners; batch 2, 13 channels."""
    shape = (2, 3, 7, 9)

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 13, 3, padding=1)
        self.conv2 = nn.Conv2d(13, 13, 3)
        self.fc = nn.Linear(13 * 4 * 28, 10)

    def forward(self, x):
        x = F.interpolate(self.conv1(x), scale_factor=2)
        x = self.conv2(x)
        x = F.interpolate(x, size=(17, 23), mode="bilinear", align_corners=False)
        x = F.interpolate(x, scale_factor=(1.5, 0.7), mode="bilinear", align_corners=True)
        x = F.interpolate(x, size=(10, 13))
        x = F.interpolate(x, scale_factor=(1.5, 1.7), mode="nearest")
        x = F.interpolate(x, scale_factor=1.3, mode="bilinear", align_corners=False)
        g = F.interpolate(x, size=1, mode="bilinear", align_corners=True)
        x = F.interpolate(x, size=(4, 28), mode="bilinear", align_corners=False)
        x = x + F.interpolate(g, size=(4, 28))
        return self.fc(x.flatten(1))


class ShuffleSplit(nn.Module):
    """Batch 2; chunk of 13 channels (7, 6) and of 5 channels in 4 chunks
    (PyTorch gives 3: 2, 2, 1); split by a size (13 by 5) and by a list;
    channel_shuffle with groups 3 and 2; mean over (2, 3) with and without
    keepdim."""
    shape = (2, 3, 11, 9)
    golden_gain = 2.0

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 13, 3, padding=1)
        self.b1 = nn.Conv2d(6, 5, 3, padding=1)
        self.bn_b1 = nn.BatchNorm2d(5)
        self.mix = nn.Conv2d(12, 13, 1)
        self.head = nn.Conv2d(26, 6, 1)
        self.out = nn.Conv2d(26, 6, 3, stride=2)

    def forward(self, x):
        s = F.relu(self.stem(x))                                # 13x11x9
        a, b = s.chunk(2, dim=1)                                # 7, 6
        b = F.relu(self.bn_b1(self.b1(b)))                      # 5x11x9
        p, q, r = b.chunk(4, dim=1)                             # 2, 2, 1
        y = F.channel_shuffle(torch.cat([r, a, q, p], 1), 3)    # 12x11x9
        u, v, w = torch.split(self.mix(y), 5, dim=1)            # 5, 5, 3
        z = torch.cat([w, F.relu(u), v], 1)
        i, j, k = torch.split(z, [4, 1, 8], dim=1)
        z = torch.cat([k, i, j], 1)                             # 13x11x9
        t = F.channel_shuffle(torch.cat([z, y, r], 1), 2)       # 26x11x9
        m = self.head(t.mean([2, 3], keepdim=True))             # 6x1x1
        g = self.out(t).mean([-1, -2])                          # 6
        return m.flatten(1) + g


class ChunkViews(nn.Module):
    """Batch 1: split of the input, chunk of 24 channels into 8s, a split
    of a piece, split of an N x F mean, a piece as the output."""
    shape = (1, 21, 7, 5)
    golden_gain = 2.0

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(13, 24, 3, padding=1)
        self.c2 = nn.Conv2d(8, 8, 1)
        self.c3 = nn.Conv2d(32, 10, 3, stride=2)

    def forward(self, x):
        a, b = torch.split(x, [8, 13], dim=1)
        c = F.relu(self.c1(b))
        p, q, r = c.chunk(3, dim=1)
        s, t = torch.split(q, [3, 5], dim=1)
        y = F.channel_shuffle(torch.cat([self.c2(a), p, t, r, s], 1), 4)  # 32x7x5
        z = self.c3(y)                                                      # 10x3x2
        o1, o2 = torch.split(z.mean([2, 3]), 6, dim=1)                      # 6, 4
        return torch.split(torch.cat([o2, o1], 1), [7, 3], dim=1)[0]        # 7


class NdOps(nn.Module):
    """N-d ops on odd sizes, batch 2, 13 and 37 channels: a ConvNeXt block
    with a (C) layer scale (permute, layer_norm, linear, gelu, linear, mul,
    permute: lowered onto NCHW above -O0), LayerNorm2d, layer_norm over
    H and W, linear over W of a 4-D tensor, a permuted region the
    optimizer keeps (a reshape reads it), reshape with -1 to 3-D,
    layer_norm over two dims without affine and over one of a 3-D tensor,
    flatten(2), flatten(1, 2), a 3-D permute and linear."""
    shape = (2, 13, 9, 7)

    def __init__(self):
        super().__init__()
        self.dw = nn.Conv2d(13, 13, 7, padding=3, groups=13)
        self.norm = nn.LayerNorm(13, eps=1e-6)
        self.pw1 = nn.Linear(13, 37)
        self.pw2 = nn.Linear(37, 13)
        self.gamma = nn.Parameter(torch.rand(13) + 0.5)
        self.ln2d = nn.LayerNorm(13)
        self.ln_hw = nn.LayerNorm((9, 7))
        self.fc_w = nn.Linear(7, 5)
        self.fc_t = nn.Linear(13, 11)
        self.ln3 = nn.LayerNorm((45, 11), elementwise_affine=False)
        self.fc3 = nn.Linear(45, 11)
        self.ln_u = nn.LayerNorm(11)
        self.head = nn.Linear(13 * 11 + 11 * 45, 10)

    def forward(self, x):
        y = self.dw(x).permute(0, 2, 3, 1)                          # 9x7x13
        y = self.pw2(F.gelu(self.pw1(self.norm(y))))
        x = x + (y * self.gamma).permute(0, 3, 1, 2)                # 13x9x7
        x = self.ln2d(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)    # LayerNorm2d
        w = self.fc_w(self.ln_hw(x))                                # 13x9x5
        t = self.fc_t(w.permute(0, 2, 3, 1))                        # 9x5x11
        t = self.ln3(t.reshape(t.shape[0], -1, 11))                 # 45x11
        u = self.ln_u(self.fc3(w.flatten(2)))                       # 13x11
        p = t.permute(0, 2, 1).flatten(1, 2)                        # 495
        return self.head(torch.cat([u.flatten(1), p], 1))
class ConvTranspose(nn.Module):
    """conv_transpose2d: stride 2 with output_padding, stride 3 with groups,
    dilation and output_padding {2, 1}, stride 1 with dilation 2 and
    output_padding 1, no bias with a {2, 3} kernel and stride."""
    shape = (2, 3, 7, 9)

    def __init__(self):
        super().__init__()
        self.up1 = nn.ConvTranspose2d(3, 13, 3, stride=2, padding=1, output_padding=1)
        self.up2 = nn.ConvTranspose2d(13, 26, (3, 4), stride=3, groups=13, dilation=(1, 2), output_padding=(2, 1))
        self.down = nn.Conv2d(26, 37, 3, stride=2)
        self.up3 = nn.ConvTranspose2d(37, 13, 3, padding=2, dilation=2, output_padding=1)
        self.bn3 = nn.BatchNorm2d(13)
        self.up4 = nn.ConvTranspose2d(13, 5, (2, 3), stride=(2, 3), bias=False)

    def forward(self, x):
        x = F.relu(self.up1(x))                     # 13x14x18
        x = self.down(self.up2(x))                  # 37x21x29
        x = F.hardswish(self.bn3(self.up3(x)))      # 13x22x30
        return self.up4(x)                          # 5x44x90


class Pad(nn.Module):
    """F.pad: zero pads before convs (symmetric, asymmetric, read twice),
    reflect and replicate with odd pads, negative pads, another value,
    the 2-element form."""
    shape = (2, 13, 7, 9)

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(13, 13, 3)
        self.conv2 = nn.Conv2d(13, 13, 3, stride=2)
        self.conv3 = nn.Conv2d(13, 13, 3)

    def forward(self, x):
        a = self.conv1(F.pad(x, (2, 2, 1, 1)))
        b = F.pad(a, (8, 1, 3, 6), mode="reflect")
        b = F.pad(b, (1, 3, 2, 0), mode="replicate")
        b = F.pad(b, (-1, 2, 1, -2), value=0.5)
        b = F.pad(b, (2, -1, -1, 1), mode="reflect")
        b = F.pad(b, (-3, 1, 4, -1), mode="replicate")
        b = F.pad(b, (1, 2), value=-1.5)
        b = self.conv2(F.pad(b, (0, 1, 1, 0)))
        c = F.pad(b, (1, 1, 1, 1))
        return self.conv3(c) + F.avg_pool2d(c, 3, stride=1)


class FcnHead(nn.Module):
    """An FCN-style segmentation head: class scores at two scales, the
    coarse upsampled by ConvTranspose2d, cropped, added, upsampled again
    and cropped to the input's odd size."""
    shape = (1, 3, 33, 41)

    def __init__(self):
        super().__init__()
        self.enc1 = nn.Conv2d(3, 13, 3, stride=2, padding=1)
        self.enc2 = nn.Conv2d(13, 37, 3, stride=2, padding=1)
        self.bn2 = nn.BatchNorm2d(37)
        self.score2 = nn.Conv2d(37, 5, 1)
        self.score1 = nn.Conv2d(13, 5, 1)
        self.up2 = nn.ConvTranspose2d(5, 5, 4, stride=2, padding=1, bias=False)
        self.bn_up = nn.BatchNorm2d(5)
        self.up1 = nn.ConvTranspose2d(5, 5, 4, stride=2, padding=1, output_padding=1)

    def forward(self, x):
        f1 = F.relu(self.enc1(x))                        # 13x17x21
        f2 = F.relu(self.bn2(self.enc2(f1)))             # 37x9x11
        y = self.bn_up(self.up2(self.score2(f2)))[:, :, :17, :21]  # 5x17x21
        y = self.up1(y + self.score1(f1))                # 5x35x43
        return y[:, :, 1:-1, 1:-1]                       # 5x33x41


class PreluFused(nn.Module):
    """prelu fused into every kind of conv and linear: stem, 3x3 with a
    folded batch norm, depthwise 3x3 s1 / 3x3 s2 / 5x5, 1x1, 3x3 with a
    residual, grouped with stride 2, grouped conv_transpose2d, two
    linears; one slope and one per channel. The slopes are set here,
    unequal and of both signs."""
    shape = (1, 3, 13, 15)
    golden_gain = {"c1": 2.0, "c2": 2.0, "c3": 2.0, "c4": 2.0, "c5": 2.0, "c6": 2.0, "c7": 2.0, "c8": 2.0,
                   "t9": 2.0, "fc1": 2.0, "fc2": 2.0}

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 13, 3, stride=2, padding=1)
        self.a1 = nn.PReLU(13)
        self.c2 = nn.Conv2d(13, 37, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(37)
        self.a2 = nn.PReLU()
        self.c3 = nn.Conv2d(37, 37, 3, padding=1, groups=37)
        self.a3 = nn.PReLU(37)
        self.c4 = nn.Conv2d(37, 37, 3, stride=2, padding=1, groups=37)
        self.a4 = nn.PReLU(37)
        self.c5 = nn.Conv2d(37, 37, 5, padding=2, groups=37)
        self.a5 = nn.PReLU()
        self.c6 = nn.Conv2d(37, 13, 1)
        self.a6 = nn.PReLU(13)
        self.c7 = nn.Conv2d(13, 13, 3, padding=1)
        self.a7 = nn.PReLU(13)
        self.c8 = nn.Conv2d(13, 26, 3, stride=2, padding=1, groups=13)
        self.a8 = nn.PReLU(26)
        self.t9 = nn.ConvTranspose2d(26, 13, 3, stride=2, padding=1, output_padding=1, groups=13)
        self.a9 = nn.PReLU(13)
        self.fc1 = nn.Linear(13 * 4 * 4, 17)
        self.a10 = nn.PReLU(17)
        self.fc2 = nn.Linear(17, 10)
        self.a11 = nn.PReLU()
        with torch.no_grad():
            for i, m in enumerate([self.a1, self.a2, self.a3, self.a4, self.a5, self.a6, self.a7, self.a8,
                                   self.a9, self.a10, self.a11]):
                n = m.weight.numel()
                m.weight.copy_(torch.linspace(-0.8 + 0.1 * i, 1.4 - 0.1 * i, n) if n > 1
                               else torch.tensor([0.3 - 0.15 * i]))

    def forward(self, x):
        x = self.a1(self.c1(x))                   # 13x7x8
        x = self.a2(self.bn2(self.c2(x)))         # 37x7x8
        x = self.a3(self.c3(x))
        x = self.a4(self.c4(x))                   # 37x4x4
        x = self.a5(self.c5(x))
        x = self.a6(self.c6(x))                   # 13x4x4
        x = self.a7(self.c7(x) + x)
        x = self.a8(self.c8(x))                   # 26x2x2
        x = self.a9(self.t9(x))                   # 13x4x4
        x = self.a10(self.fc1(x.flatten(1)))      # 17
        return self.a11(self.fc2(x))              # 10


class DenseConcat(nn.Module):
    """Batch 1, 13x11x9: a dense block of 3 layers (concat, bn, relu, 1x1
    conv, bn, relu, 3x3 conv, growth 37), whose concats the memory plan
    makes views; a relu and a sigmoid (the last reader of its input)
    reading values in the block's channels; one value in two concats,
    twice in one; a concat of the block's concat and the input; a batch
    norm alone before a 1x1 conv, and a transition (bn, relu, 1x1 conv of
    stride 2): the 1x1 convs apply the batch norms (and relus) before
    them as they pack their input."""
    shape = (1, 13, 11, 9)

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(13, 13, 3, padding=1)
        for i in range(3):
            c = 13 + 37 * i
            layer = nn.Module()
            layer.norm1 = nn.BatchNorm2d(c)
            layer.conv1 = nn.Conv2d(c, 24, 1, bias=False)
            layer.norm2 = nn.BatchNorm2d(24)
            layer.conv2 = nn.Conv2d(24, 37, 3, padding=1, bias=False)
            setattr(self, "layer%d" % (i + 1), layer)
        self.mix = nn.Conv2d(137, 13, 1)
        self.mix2 = nn.Conv2d(111, 13, 1, bias=False)
        self.norm_u = nn.BatchNorm2d(111)
        self.trans = nn.Module()
        self.trans.norm = nn.BatchNorm2d(124)
        self.trans.conv = nn.Conv2d(124, 13, 1, stride=2)

    def forward(self, x):
        s = F.relu(self.stem(x))                                     # 13x11x9
        features = [s]
        for i in range(3):
            m = getattr(self, "layer%d" % (i + 1))
            h = F.relu(m.norm1(torch.cat(features, 1)))
            h = F.relu(m.norm2(m.conv1(h)))
            features.append(m.conv2(h))                              # +37
        block = torch.cat(features, 1)                               # 124
        t = F.relu(features[1])
        u = torch.cat([features[2], t, features[2]], 1)              # 111
        y = self.mix(torch.cat([block, x], 1))                       # 13
        q = torch.sigmoid(s)
        z = self.mix2(self.norm_u(u))
        t2 = F.adaptive_avg_pool2d(self.trans.conv(F.relu(self.trans.norm(block))), 1)  # 13x1x1
        return (y + z) * q + t2


class ResizeBig(nn.Module):
    """interpolate: bilinear up by 8 to 1031 columns (two column tiles),
    down with align_corners to 9 x 13, by 2.7, by {0.9, 2.7} with
    align_corners; nearest by {1.3, 1.13}; bilinear to 47 columns with
    the rows kept; 13 channels."""
    shape = (1, 3, 5, 7)

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 13, 1)

    def forward(self, x):
        x = F.interpolate(self.conv(x), size=(40, 1031), mode="bilinear", align_corners=False)
        x = F.interpolate(x, size=(9, 13), mode="bilinear", align_corners=True)
        x = F.interpolate(x, scale_factor=2.7, mode="bilinear", align_corners=False)
        x = F.interpolate(x, scale_factor=(0.9, 2.7), mode="bilinear", align_corners=True)
        x = F.interpolate(x, scale_factor=(1.3, 1.13), mode="nearest")
        return F.interpolate(x, size=(27, 47), mode="bilinear", align_corners=False)


class DilatedDw(nn.Module):
    """Dilated depthwise convs: 5x5 dilation 2 with a residual and
    hardswish over two bands; 3x3 dilation 3 stride 1 padding 0; 3x3
    dilation 3 stride 2 with sigmoid; {5, 3} dilation {3, 2} stride {1, 2}
    without bias, batch norm, relu6; 3x3 dilation 2 stride 2."""
    shape = (1, 13, 61, 101)
    golden_gain = {"bn4": 2.5}

    def __init__(self):
        super().__init__()
        self.dw1 = nn.Conv2d(13, 13, 5, padding=4, dilation=2, groups=13)
        self.dw2 = nn.Conv2d(13, 13, 3, dilation=3, groups=13)
        self.conv = nn.Conv2d(13, 37, 1)
        self.dw3 = nn.Conv2d(37, 37, 3, stride=2, padding=3, dilation=3, groups=37)
        self.dw4 = nn.Conv2d(37, 37, (5, 3), stride=(1, 2), padding=(2, 1), dilation=(3, 2), groups=37, bias=False)
        self.bn4 = nn.BatchNorm2d(37)
        self.dw5 = nn.Conv2d(37, 37, 3, stride=2, dilation=2, groups=37)

    def forward(self, x):
        x = F.hardswish(self.dw1(x) + x)             # 13x61x101
        x = F.relu(self.dw2(x))                      # 13x55x95
        x = torch.sigmoid(self.dw3(self.conv(x)))    # 37x28x48
        x = F.relu6(self.bn4(self.dw4(x)))           # 37x20x23
        return self.dw5(x)                           # 37x8x10


class SwapResize(nn.Module):
    """A 1x1 conv after an interpolate (swap_resize computes it before):
    bilinear by 1.7, bilinear with align_corners to a size, nearest to a
    size, bilinear by (1.5, 2.3) ahead of two 1x1 convs; left as written:
    a conv then relu, a conv that widens, an interpolate two convs read."""
    shape = (1, 13, 9, 11)

    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(13, 3, 1)
        self.b = nn.Conv2d(13, 3, 1)
        self.c = nn.Conv2d(13, 3, 1)
        self.d1 = nn.Conv2d(13, 7, 1)
        self.d2 = nn.Conv2d(7, 3, 1)
        self.e = nn.Conv2d(13, 3, 1)
        self.f = nn.Conv2d(3, 5, 1)
        self.g1 = nn.Conv2d(13, 3, 1)
        self.g2 = nn.Conv2d(13, 3, 1)

    def forward(self, x):
        a = self.a(F.interpolate(x, scale_factor=1.7, mode="bilinear", align_corners=False))  # 3x15x18
        b = self.b(F.interpolate(x, size=(17, 21), mode="bilinear", align_corners=True))
        c = self.c(F.interpolate(x, size=(20, 23)))
        d = F.interpolate(x, scale_factor=(1.5, 2.3), mode="bilinear", align_corners=False)
        d = self.d2(self.d1(d))                                                              # 3x13x25
        e = F.relu(self.e(F.interpolate(x, size=(17, 21), mode="bilinear", align_corners=False)))
        f = self.f(F.interpolate(a, size=(17, 21), mode="bilinear", align_corners=False))
        g = F.interpolate(x, size=(17, 21))
        g = self.g1(g) + self.g2(g)
        size = (17, 21)
        return torch.cat([F.interpolate(a, size=size), b, F.interpolate(c, size=size),
                          F.interpolate(d, size=size), e, f, g], 1)                         # 23x17x21


_NETS = {
    "odd_conv": OddConv,
    "groups_bn": GroupsBn,
    "pools_ceil": PoolsCeil,
    "avg_adaptive": AvgAdaptive,
    "concat_res": ConcatRes,
    "activations": Activations,
    "activations2": Activations2,
    "activations3": Activations3,
    "mlp_bn": MlpBn,
    "winograd_edges": WinogradEdges,
    "identities": Identities,
    "stem_dw": StemDw,
    "big_weights": BigWeights,
    "broadcast": Broadcast,
    "resize": Resize,
    "resize_big": ResizeBig,
    "dilated_dw": DilatedDw,
    "shuffle_split": ShuffleSplit,
    "chunk_views": ChunkViews,
    "nd_ops": NdOps,
    "conv_transpose": ConvTranspose,
    "pad": Pad,
    "fcn_head": FcnHead,
    "prelu_fused": PreluFused,
    "dense_concat": DenseConcat,
    "swap_resize": SwapResize,
}
NETS = list(_NETS)


def build(name):
    cls = _NETS[name]
    return cls(), tuple(cls.shape)
