/*
 * layout.c: reorders between NCHW and the channel-chunked layouts.
 *
 * One kernel moves a tensor between any two chunk sizes (cl.h: 1 is NCHW,
 * c is NHWC, 8 is NCHW8c). It walks the output in order, in tiles of 16
 * pixels by 16 channels of an output chunk, so that the writes are
 * contiguous within the tile (in L1) and each input row (a channel's 16
 * pixels in NCHW, a pixel's channels in the others) is read while still
 * in cache; the inner loop copies one channel's 16 pixels. Lanes
 * past c in the output's last chunk are written as zeros. The tiles are
 * the items of a parallel loop (rt_parallel).
 */
#include "cnnrt.h"

#include "cl.h"

#define TILE 16   /* pixels per tile */
#define TILE_C 16 /* output channels per tile */

/* The arguments of rt_reorder, for its parallel loop. */
typedef struct {
	int c, hw, cl_in, cl_out; /* shape, chunk sizes of x and y */
	const float *x;
	float *y;
} Reorder;

/* Items [begin, end) of the loop over (image, output chunk, tile of
 * pixels). */
static void reorder_tiles(void *ctx, int begin, int end)
{
	const Reorder *r = ctx;
	const int c = r->c, hw = r->hw, cl_in = r->cl_in, cl_out = r->cl_out;
	const int nbo = cl_chunks(c, cl_out), tiles = (hw + TILE - 1) / TILE;
	for (int it = begin; it < end; it++) {
		int p0 = it % tiles * TILE, b = it / tiles % nbo, i = it / tiles / nbo;
		float *yb = r->y + cl_at(c, hw, cl_out, i, b * cl_out, 0);
		int lanes = c - b * cl_out < cl_out ? c - b * cl_out : cl_out; /* real channels */
		int pn = hw - p0 < TILE ? hw - p0 : TILE;
		for (int l0 = 0; l0 < cl_out; l0 += TILE_C) {
			int ln = cl_out - l0 < TILE_C ? cl_out - l0 : TILE_C;
			for (int l = 0; l < ln; l++) {
				float *d = yb + (size_t)p0 * cl_out + l0 + l;
				if (l0 + l >= lanes) { /* padding */
					for (int q = 0; q < pn; q++)
						d[(size_t)q * cl_out] = 0.0f;
					continue;
				}
				const float *xl = r->x + cl_at(c, hw, cl_in, i, b * cl_out + l0 + l, p0);
				for (int q = 0; q < pn; q++)
					d[(size_t)q * cl_out] = xl[(size_t)q * cl_in];
			}
		}
	}
}

/* x: [n, c, hw] in chunks of cl_in -> y: the same in chunks of cl_out.
 * In parallel over tiles of pixels. */
void rt_reorder(int n, int c, int hw, int cl_in, const float *x, int cl_out, float *y)
{
	Reorder r = {c, hw, cl_in, cl_out, x, y};
	int tiles = (hw + TILE - 1) / TILE;
	rt_parallel(n * cl_chunks(c, cl_out) * tiles, cl_grain(2.0 * TILE * cl_out, CL_GRAIN_FLOATS), reorder_tiles, &r);
}
