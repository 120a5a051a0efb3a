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
 * residual already added), with the parameter of output channel o:
 * act_row with a bias of -0, which leaves every float as it is (+0 would
 * turn a -0 into +0). */
void rt_act_inplace(const rt_epilogue *ep, int o, float *y, int n)
{
	float p = act_param(ep, o);
#define ACT_SWITCH_ON ep->act
#define ACT_SWITCH_VEC(act) act_row(act, p, ep->param2, y, y, NULL, -0.0f, n)
#define ACT_SWITCH_LANES act_row(ep->act, p, ep->param2, y, y, NULL, -0.0f, n)
#include "act_switch.h"
}
