"""PyTorch's quantized convs and linears computing what they mean to.

On a CPU without VNNI (AVX2, or AVX-512 without VNNI: the AMD EPYC with
AVX2 only where this was found) oneDNN multiplies uint8 by int8 with
vpmaddubsw, which adds the products of two neighbouring input channels
into int16, saturated: x0 w0 + x1 w1 beyond 32767 is clipped (oneDNN
documents it; fbgemm's reduce_range exists for it). PyTorch 1.13's
quantized Conv2d and Linear on the onednn engine then differ from their
own arithmetic wherever an input near 255 meets two large weights
(mobilenet_v2's first conv: 2% of its outputs, up to 61 steps off; on a
VNNI machine none). cnnc's int32 sums never saturate, so the oracle
tests (tests/quant/test_int8.py, tests/runtime/check_int8.py) run the
same PyTorch kernel on an input with a zero channel after each channel,
and weights with a zero there: every pair holds one product (at most
255 x 128 < 32768), and the sum, the bias and PyTorch's requantization
are unchanged. Depthwise convs (oneDNN's depthwise kernel widens to
int32 first) are left as they are.
"""
import torch
import torch.ao.nn.quantized as nnq
import torch.nn.intrinsic.quantized as nniq


def _spread(t, dim):
    """t (integers) with a zero after each entry along dim."""
    shape = list(t.shape)
    shape[dim] *= 2
    out = torch.zeros(shape, dtype=t.dtype)
    idx = [slice(None)] * len(shape)
    idx[dim] = slice(0, None, 2)
    out[tuple(idx)] = t
    return out


class Unsaturated(torch.nn.Module):
    """PyTorch's quantized conv or linear m (not depthwise) fed a zero
    channel after each input channel (see the module's docstring)."""

    def __init__(self, m):
        super().__init__()
        w = m.weight()
        wi = _spread(w.int_repr(), 1)
        if w.qscheme() == torch.per_tensor_symmetric:
            qw = torch._make_per_tensor_quantized_tensor(wi, w.q_scale(), w.q_zero_point())
        else:
            qw = torch._make_per_channel_quantized_tensor(wi, w.q_per_channel_scales(), w.q_per_channel_zero_points(),
                                                          w.q_per_channel_axis())
        if isinstance(m, nnq.Linear):
            self.m = (nniq.LinearReLU if isinstance(m, nniq.LinearReLU) else nnq.Linear)(wi.shape[1], wi.shape[0])
        else:
            self.m = (nniq.ConvReLU2d if isinstance(m, nniq.ConvReLU2d) else nnq.Conv2d)(
                2 * m.in_channels, m.out_channels, m.kernel_size, m.stride, m.padding, m.dilation, m.groups,
                True, m.padding_mode)
        self.m.set_weight_bias(qw, m.bias())
        self.m.scale, self.m.zero_point = m.scale, m.zero_point
        self.dim = -1 if isinstance(m, nnq.Linear) else 1  # the input's channels (a linear's: its last dim)

    def forward(self, x):
        xi = _spread(x.int_repr(), self.dim)
        return self.m(torch._make_per_tensor_quantized_tensor(xi, x.q_scale(), x.q_zero_point()))


def unsaturated(converted):
    """converted (convert_fx's model) with each quantized conv (but
    depthwise) and linear replaced by its Unsaturated twin."""
    for name, m in list(converted.named_modules()):
        if isinstance(m, nnq.Conv2d) and m.groups == m.in_channels and m.groups > 1:
            continue
        if isinstance(m, (nnq.Conv2d, nnq.Linear)):
            parent, _, leaf = name.rpartition(".")
            setattr(converted.get_submodule(parent) if parent else converted, leaf, Unsaturated(m))
    return converted
