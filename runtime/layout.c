/*
 * layout.c: reorders between NCHW and the channel-chunked layouts.
 *
 * One kernel moves a tensor between any two chunk sizes (cl.h: 1 is NCHW,
 * c is NHWC, 8 is NCHW8c). It walks the output in order, in tiles of 16
 * pixels by 16 channels of an output chunk, so that the writes are
 * contiguous and each of the tile's input rows (a channel's 16 pixels in
 * NCHW, a pixel's channels in the others) is read while still in cache;
 * the input address of each of the tile's channels is computed once. Lanes
 * past c in the output's last chunk are written as zeros.
 */
#include "cnnrt.h"

#include "cl.h"

#define TILE 16   /* pixels per tile */
#define TILE_C 16 /* output channels per tile */

/* x: [n, c, hw] in chunks of cl_in -> y: the same in chunks of cl_out */
void rt_reorder(int n, int c, int hw, int cl_in, const float *x, int cl_out, float *y)
{
	int nbo = cl_chunks(c, cl_out);
	for (int i = 0; i < n; i++)
		for (int b = 0; b < nbo; b++) {
			float *yb = y + cl_at(c, hw, cl_out, i, b * cl_out, 0);
			int lanes = c - b * cl_out < cl_out ? c - b * cl_out : cl_out; /* real channels */
			const float *xc[TILE_C];
			for (int p0 = 0; p0 < hw; p0 += TILE) {
				int pn = hw - p0 < TILE ? hw - p0 : TILE;
				for (int l0 = 0; l0 < cl_out; l0 += TILE_C) {
					int ln = cl_out - l0 < TILE_C ? cl_out - l0 : TILE_C;
					for (int l = 0; l < ln; l++)
						xc[l] = l0 + l < lanes ? x + cl_at(c, hw, cl_in, i, b * cl_out + l0 + l, p0) : NULL;
					for (int q = 0; q < pn; q++) {
						float *d = yb + (size_t)(p0 + q) * cl_out + l0;
						for (int l = 0; l < ln; l++)
							d[l] = xc[l] ? xc[l][(size_t)q * cl_in] : 0.0f;
					}
				}
			}
		}
}
