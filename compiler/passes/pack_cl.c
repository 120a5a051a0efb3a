/*
 * pack_cl.c: conv weights for the channel-chunked kernels
 * (runtime/conv_cl.c), rearranged at compile time.
 *
 * needs: layouts chosen, weights bound (folded). keeps: the graph.
 *
 * Depthwise (groups == c == oc): [nb][kh][kw][cl], channel b*cl + l of
 * the conv's layout in lane l, channels past c zero (cl = c in NHWC, 8
 * in NCHW8c).
 *
 * Every other conv: per strip s of 16 output channels (RT_CONV_CL_STRIP),
 * [kh][kw][span][16], where span (rt_conv_cl_span, recomputed here the
 * same way) counts the input channels of the groups the strip's outputs
 * belong to, from c0 = (group of output 16s) * c/groups. Entry
 * [ky][kx][k][j] is W[16s + j][c0 + k - group start][ky][kx] when input
 * channel c0 + k is in output 16s + j's group, else zero, and zero for
 * outputs past oc.
 */
#include "../cnnc.h"

#include "../../runtime/cnnrt.h" /* RT_CONV_CL_STRIP */

#define STRIP RT_CONV_CL_STRIP

/* rt_conv_cl_span of runtime/conv_cl.c */
static int span_of(int c, int oc, int groups)
{
	int cg = c / groups, og = oc / groups, span = 0;
	for (int o0 = 0; o0 < oc; o0 += STRIP) {
		int o1 = (o0 + STRIP < oc ? o0 + STRIP : oc) - 1;
		int s = (o1 / og - o0 / og + 1) * cg;
		span = s > span ? s : span;
	}
	return span;
}

bool pack_cl_depthwise(const Graph *g, const Node *n)
{
	return n->a.groups > 1 && g->nodes[n->in[0]].shape[1] == n->a.groups && n->shape[1] == n->a.groups;
}

long long pack_cl_floats(const Graph *g, const Node *n)
{
	int c = g->nodes[n->in[0]].shape[1], oc = n->shape[1], kk = n->a.kernel[0] * n->a.kernel[1];
	if (pack_cl_depthwise(g, n)) {
		int cl = layout_chunk(n);
		return (long long)((c + cl - 1) / cl) * kk * cl;
	}
	return (long long)((oc + STRIP - 1) / STRIP) * kk * span_of(c, oc, n->a.groups) * STRIP;
}

long long pack_cl(Graph *g, Node *n)
{
	int c = g->nodes[n->in[0]].shape[1], oc = n->shape[1], kh = n->a.kernel[0], kw = n->a.kernel[1];
	int kk = kh * kw;
	const float *w = n->param[0];
	if (pack_cl_depthwise(g, n)) {
		int cl = layout_chunk(n), nb = (c + cl - 1) / cl;
		long long total = (long long)nb * kk * cl;
		float *p = arena_alloc(g->arena, (size_t)total * sizeof *p);
		for (int ch = 0; ch < c; ch++)
			for (int t = 0; t < kk; t++)
				p[((long long)(ch / cl) * kk + t) * cl + ch % cl] = w[(long long)ch * kk + t];
		n->param[0] = p;
		return total;
	}
	int groups = n->a.groups, cg = c / groups, og = oc / groups, span = span_of(c, oc, groups);
	int strips = (oc + STRIP - 1) / STRIP;
	long long per = (long long)kk * span * STRIP, total = strips * per;
	float *p = arena_alloc(g->arena, (size_t)total * sizeof *p);
	for (int s = 0; s < strips; s++) {
		int o0 = s * STRIP, c0 = (o0 < oc - 1 ? o0 : oc - 1) / og * cg;
		for (int j = 0; j < STRIP && o0 + j < oc; j++) {
			int o = o0 + j, gs = o / og * cg; /* first input channel of o's group */
			for (int k = 0; k < span; k++) {
				int ci = c0 + k;
				if (ci < gs || ci >= gs + cg)
					continue;
				for (int t = 0; t < kk; t++)
					p[s * per + ((long long)t * span + k) * STRIP + j] = w[((long long)o * cg + ci - gs) * kk + t];
			}
		}
	}
	n->param[0] = p;
	return total;
}
