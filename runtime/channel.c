/*
 * channel.c: ops that move whole channels: a channel range (the pieces
 * of chunk and split) and ShuffleNet's channel shuffle.
 *
 * Nothing is computed, only copied: in NCHW a channel is a plane of hw
 * floats, contiguous, and a range of channels of one sample is one block,
 * so the NCHW kernels are memcpy's. In the chunked layouts (cnnrt.h) a
 * channel is spread over its chunk's lanes; there one gather loop writes
 * y in memory order, each float from its source channel, padding lanes
 * zero. The simple loops are enough for now: these ops move a few
 * hundred KB per layer in the models that use them (ShuffleNetV2); the
 * NCHW shuffle runs them in parallel over planes (rt_parallel), the
 * range through rt_concat_part's parallel copy.
 */
#include <string.h>

#include "cnnrt.h"

#include "cl.h"

void rt_slice_channels(int n, int c, int hw, int first, int count, const float *x, float *y)
{
	size_t block = (size_t)count * hw; /* one sample of y, contiguous in x too */
	for (int i = 0; i < n; i++)
		memcpy(y + (size_t)i * block, x + ((size_t)i * c + first) * hw, block * sizeof *y);
}

/* Which x channel each y channel reads: first + k for a range (groups
 * 0), the shuffle's (k % groups) * per + k / groups otherwise. */
typedef struct {
	int first;  /* range: x channel of y channel 0 */
	int groups; /* shuffle: groups (0: a range) */
	int per;    /* shuffle: channels per group */
} Source;

static int source(const Source *s, int k)
{
	return s->groups ? (k % s->groups) * s->per + k / s->groups : s->first + k;
}

/* A channel shuffle's planes, the items of its parallel loop. */
typedef struct {
	int c, hw;      /* channels, floats a plane */
	Source src;     /* which x channel each y channel reads */
	const float *x; /* [n, c, hw] */
	float *y;       /* [n, c, hw] */
} Shuffle;

/* Planes [begin, end) of y (plane i * c + k: sample i, channel k). */
static void shuffle_planes(void *ctx, int begin, int end)
{
	const Shuffle *s = ctx;
	for (int item = begin; item < end; item++) {
		int i = item / s->c, k = item % s->c;
		memcpy(s->y + (size_t)item * s->hw, s->x + ((size_t)i * s->c + source(&s->src, k)) * s->hw,
		       (size_t)s->hw * sizeof *s->y);
	}
}

/* In parallel over planes: on two threads a shuffle left to one ran
 * 4-6x as long as on one thread (ShuffleNetV2's 16, 0.07 -> 0.31 ms),
 * its input written by both cores' halves of the layer before. */
void rt_channel_shuffle(int n, int c, int hw, int groups, const float *x, float *y)
{
	Shuffle s = {c, hw, {0, groups, c / groups}, x, y};
	rt_parallel(n * c, cl_grain(2.0 * hw, CL_GRAIN_FLOATS), shuffle_planes, &s);
}

/* x: [n, c, hw] in chunks of cl_in -> y: [n, cy, hw] in chunks of cl_out,
 * y channel k = x channel source(k), y's padding lanes zero. */
static void gather_cl(int n, int c, int hw, int cl_in, const float *x, int cy, int cl_out, float *y,
                      const Source *s)
{
	int nb = cl_chunks(cy, cl_out);
	for (int i = 0; i < n; i++)
		for (int b = 0; b < nb; b++)
			for (int p = 0; p < hw; p++)
				for (int l = 0; l < cl_out; l++) {
					int k = b * cl_out + l;
					*y++ = k < cy ? x[cl_at(c, hw, cl_in, i, source(s, k), p)] : 0.0f;
				}
}

void rt_slice_channels_cl(int n, int c, int hw, int cl_in, const float *x, int first, int count, int cl_out,
                          float *y)
{
	Source s = {first, 0, 0};
	gather_cl(n, c, hw, cl_in, x, count, cl_out, y, &s);
}

void rt_channel_shuffle_cl(int n, int c, int hw, int groups, int cl, const float *x, float *y)
{
	Source s = {0, groups, c / groups};
	gather_cl(n, c, hw, cl, x, c, cl, y, &s);
}
