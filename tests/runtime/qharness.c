/*
 * qharness.c: runs one int8 convolution of the runtime on raw inputs, for
 * check_int8.py.
 *
 *     qharness IN OUT
 *
 * IN holds, little-endian: int32 [20] = n c h w oc oh ow kh kw sh sw ph
 * pw dh dw groups zp_x zp_y lo hi; uint8 x [n][h][w][c]; int8 weights,
 * [oc][kh][kw][c] or, when groups == c == oc > 1, [kh][kw][c]; int32
 * bias [oc]; float fbias [oc]; float mult [oc]. OUT gets uint8 y
 * [n][oh][ow][oc]. groups 1 runs rt_qconv2d (1x1 stride-1 convolutions
 * and linear layers, as h = 1, w = rows, through rt_qgemm_ep), else
 * rt_qconv2d_dw. Unlike the runtime, the harness may malloc.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cnnrt.h"

static void *take(FILE *f, size_t bytes)
{
	void *p = malloc(bytes ? bytes : 1);
	if (!p || fread(p, 1, bytes, f) != bytes) {
		fprintf(stderr, "qharness: short input\n");
		exit(2);
	}
	return p;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: qharness IN OUT\n");
		return 2;
	}
	FILE *in = fopen(argv[1], "rb");
	if (!in) {
		perror(argv[1]);
		return 2;
	}
	int32_t *h = take(in, 20 * sizeof(int32_t));
	rt_conv2d_params p = {h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9],
	                      h[10], h[11], h[12], h[13], h[14], h[15]};
	int dw = p.groups > 1, K = p.kh * p.kw * p.c;
	size_t xn = (size_t)p.n * p.h * p.w * p.c, yn = (size_t)p.n * p.oh * p.ow * p.oc;
	uint8_t *x = take(in, xn);
	int8_t *w = take(in, dw ? (size_t)K : (size_t)p.oc * K);
	int32_t *bias = take(in, p.oc * sizeof(int32_t));
	float *fbias = take(in, p.oc * sizeof(float)), *mult = take(in, p.oc * sizeof(float));
	fclose(in);
	rt_qepilogue ep = {bias, fbias, mult, h[17], h[18], h[19]};
	uint8_t *y = malloc(yn);
	if (dw)
		rt_qconv2d_dw(&p, x, h[16], w, &ep, y, p.oc);
	else {
		int8_t *wp = malloc(rt_qpack_size(p.oc, K));
		uint8_t *scratch = malloc((size_t)RT_QCONV_SCRATCH(p.c, p.kh, p.kw, p.oh * p.ow, 1));
		rt_qpack(p.oc, K, w, wp);
		rt_qconv2d(&p, 1, x, h[16], wp, &ep, y, p.oc, scratch);
		free(wp), free(scratch);
	}
	FILE *out = fopen(argv[2], "wb");
	if (!out || fwrite(y, 1, yn, out) != yn || fclose(out) != 0) {
		perror(argv[2]);
		return 2;
	}
	free(h), free(x), free(w), free(bias), free(fbias), free(mult), free(y);
	return 0;
}
