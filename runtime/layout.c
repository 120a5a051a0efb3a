/*
 * layout.c: reorders between NCHW and the channel-chunked layouts.
 *
 * One kernel moves a tensor between any two chunk sizes (cl.h: 1 is NCHW,
 * c is NHWC, 8 is NCHW8c). It walks the output in order, a tile of 16
 * pixels by one output chunk at a time, so that the writes are contiguous
 * and each of the tile's input rows (a channel's 16 pixels in NCHW, a
 * pixel's channels in the others) is read while still in cache. Lanes
 * past c in the output's last chunk are written as zeros.
 */
#include "cnnrt.h"

#include "cl.h"

#define TILE 16 /* pixels per tile */

/* x: [n, c, hw] in chunks of cl_in -> y: the same in chunks of cl_out */
void rt_reorder(int n, int c, int hw, int cl_in, const float *x, int cl_out, float *y)
{
	int nbo = cl_chunks(c, cl_out);
	for (int i = 0; i < n; i++)
		for (int b = 0; b < nbo; b++)
			for (int p0 = 0; p0 < hw; p0 += TILE) {
				int pn = hw - p0 < TILE ? hw - p0 : TILE;
				float *yb = y + cl_at(c, hw, cl_out, i, b * cl_out, p0);
				for (int l = 0; l < cl_out; l++) {
					int ch = b * cl_out + l;
					if (ch >= c) {
						for (int q = 0; q < pn; q++)
							yb[(size_t)q * cl_out + l] = 0.0f;
						continue;
					}
					const float *xc = x + cl_at(c, hw, cl_in, i, ch, p0);
					for (int q = 0; q < pn; q++)
						yb[(size_t)q * cl_out + l] = xc[(size_t)q * cl_in];
				}
			}
}
