/*
 * act.c: the epilogue's public entry points, over the formulas of act.h.
 *
 * Kernels inline act.h's stores themselves, with the activation a
 * constant; these serve the paths that apply an epilogue after the
 * fact: the direct convolution's rows, depthwise's general path, the
 * odd values at the edge of a tile, and (rt_act_inplace) the exp-based
 * activations of kernels whose own vectors are narrower than these
 * (act_wants_wide). The file is SIMD_WIDE: vectors of 16 with AVX-512
 * (the formulas give the same bits at any width: tests/unit/test_acts.c).
 */
#define SIMD_WIDE
#include "act.h"

/* NaN passes through relu and relu6, as in PyTorch. */
float rt_act(const rt_epilogue *ep, float v)
{
	return act_scalar(ep->act, ep->param, ep->param2, v);
}

/* y[0..n) = act(y[0..n)), act a constant once inlined; the last n % VW
 * values through one vector, as act_row's. */
static inline __attribute__((always_inline)) void act_inplace(int act, float p, float q, float *y, int n)
{
	int j = 0;
	for (; j + VW <= n; j += VW) {
		vf v;
		LOADV(v, y + j);
		v = act_vec(act, p, q, v);
		STOREV(y + j, v);
	}
	if (j == n)
		return;
	vf v = {0};
	for (int i = 0; i < n - j; i++)
		v[i] = y[j + i];
	v = act_vec(act, p, q, v);
	for (int i = 0; i < n - j; i++)
		y[j + i] = v[i];
}

/* One copy of the row's loop per VEC activation; the LANES ones share
 * one, their activation looked up per vector. */
void rt_epilogue_row(const rt_epilogue *ep, int o, float *y, const float *res, float bias, int n)
{
	float p = act_param(ep, o);
#define ACT_SWITCH_ON ep->act
#define ACT_SWITCH_VEC(act) act_row(act, p, ep->param2, y, y, res, bias, n)
#define ACT_SWITCH_LANES act_row(ep->act, p, ep->param2, y, y, res, bias, n)
#include "act_switch.h"
}

/* y[i] = act(y[i]) for i < n, the activation alone (the bias and the
 * residual already added), with the parameter of output channel o. */
void rt_act_inplace(const rt_epilogue *ep, int o, float *y, int n)
{
	float p = act_param(ep, o);
#define ACT_SWITCH_ON ep->act
#define ACT_SWITCH_VEC(act) act_inplace(act, p, ep->param2, y, n)
#define ACT_SWITCH_LANES act_inplace(ep->act, p, ep->param2, y, n)
#include "act_switch.h"
}
