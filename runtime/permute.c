/*
 * permute.c: a tensor's dims reordered (torch.permute followed by
 * .contiguous()), and layer normalization.
 *
 * permute is a plain copy, the output walked in order and the input at
 * strides; the compiler removes the permutes ConvNeXt's blocks write
 * around per-pixel ops (passes/channels_last.c), so this kernel runs at
 * -O0 and for other permutes only.
 *
 * layer_norm follows PyTorch 1.13: over the trailing elements of each
 * row, mean and biased variance, y = (x - mean) / sqrt(var + eps) * w + b.
 * The last-dims kernel sums in double (the reference); the channels
 * kernel (N x C x H x W, over C at every pixel: what the compiler makes
 * of a layer norm over a permuted tensor's last dim) works on a tile of
 * pixels at once, so its loops over pixels are contiguous, in float, two
 * passes (mean, then the centered squares).
 */
#include <math.h>

#include "cnnrt.h"

void rt_permute(const int dims[4], const int perm[4], const float *x, float *y)
{
	long long stride[4], s = 1;
	for (int d = 3; d >= 0; d--) {
		stride[d] = s;
		s *= dims[d];
	}
	int o0 = dims[perm[0]], o1 = dims[perm[1]], o2 = dims[perm[2]], o3 = dims[perm[3]];
	long long s0 = stride[perm[0]], s1 = stride[perm[1]], s2 = stride[perm[2]], s3 = stride[perm[3]];
	for (int a = 0; a < o0; a++)
		for (int b = 0; b < o1; b++)
			for (int c = 0; c < o2; c++) {
				const float *xr = x + a * s0 + b * s1 + c * s2;
				for (int d = 0; d < o3; d++)
					*y++ = xr[d * s3];
			}
}

void rt_layer_norm(long long rows, int inner, const float *x, const float *w, const float *b, float eps, float *y)
{
	for (long long r = 0; r < rows; r++) {
		const float *xr = x + r * inner;
		float *yr = y + r * inner;
		double sum = 0, sq = 0;
		for (int i = 0; i < inner; i++)
			sum += xr[i];
		double mean = sum / inner;
		for (int i = 0; i < inner; i++)
			sq += (xr[i] - mean) * (xr[i] - mean);
		float m = (float)mean, rstd = (float)(1.0 / sqrt(sq / inner + eps));
		for (int i = 0; i < inner; i++) {
			float v = (xr[i] - m) * rstd;
			yr[i] = w ? v * w[i] + b[i] : v;
		}
	}
}

#define TILE 64 /* pixels per tile of the channels kernel */

void rt_layer_norm_channels(int n, int c, long long hw, const float *x, const float *w, const float *b, float eps,
                            float *y)
{
	for (int i = 0; i < n; i++)
		for (long long p0 = 0; p0 < hw; p0 += TILE) {
			int t = hw - p0 < TILE ? (int)(hw - p0) : TILE;
			const float *xp = x + (long long)i * c * hw + p0;
			float *yp = y + (long long)i * c * hw + p0;
			float mean[TILE] = {0}, var[TILE] = {0};
			for (int ch = 0; ch < c; ch++)
				for (int p = 0; p < t; p++)
					mean[p] += xp[ch * hw + p];
			for (int p = 0; p < t; p++)
				mean[p] /= (float)c;
			for (int ch = 0; ch < c; ch++)
				for (int p = 0; p < t; p++) {
					float d = xp[ch * hw + p] - mean[p];
					var[p] += d * d;
				}
			for (int p = 0; p < t; p++)
				var[p] = 1.0f / sqrtf(var[p] / (float)c + eps);
			for (int ch = 0; ch < c; ch++) {
				float wc = w ? w[ch] : 1.0f, bc = w ? b[ch] : 0.0f;
				for (int p = 0; p < t; p++)
					yp[ch * hw + p] = (xp[ch * hw + p] - mean[p]) * var[p] * wc + bc;
			}
		}
}
