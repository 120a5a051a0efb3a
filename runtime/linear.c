/*
 * linear.c: fully connected layer, y = x W^T + b.
 *
 * One dot product per output, accumulated in float over the input features
 * in order, with the bias added last. W keeps PyTorch's [out, in] layout,
 * so each dot product walks one contiguous row of W and one row of x.
 */
#include "cnnrt.h"

/* x: [n, in]  w: [out, in]  b: [out] or NULL -> y: [n, out]. */
void rt_linear(int n, int in, int out, const float *x, const float *w, const float *b, float *y)
{
	for (int i = 0; i < n; i++) {
		const float *xi = x + (size_t)i * in;
		for (int o = 0; o < out; o++) {
			const float *wo = w + (size_t)o * in;
			float acc = 0.0f;
			for (int k = 0; k < in; k++)
				acc += xi[k] * wo[k];
			y[(size_t)i * out + o] = acc + (b ? b[o] : 0.0f);
		}
	}
}
