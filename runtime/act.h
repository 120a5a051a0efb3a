/*
 * act.h: the activations' formulas and the epilogue's stores, private to
 * the kernels.
 *
 * Each row of acts.def has two formulas here, side by side: act_<name>,
 * on one float, and actv_<name>, on a vector of VW (simd.h); p is the
 * row's parameter (0 when it has none). The two give the same bits for
 * the same input (tests/unit/test_acts.c checks it on every row), so
 * a kernel may store whole vectors through one and the ragged end of a
 * row through the other. q is the second parameter of a row with two
 * (hardtanh's max_val), 0 otherwise. Rows of kind LANES compute their
 * vector formula lane by lane through the scalar one (act_lanes).
 *
 * act_scalar and act_vec pick a formula by id: with the id a constant, as
 * the kernels inline them, that is the formula alone. Below them, the
 * epilogue's stores that several kernels share: act_row (a row of
 * values, in vectors) and act_store (one vector, or the first count
 * lanes of it). act_switch.h runs a kernel's own loops with the
 * activation a constant.
 *
 * A row without its two formulas here does not compile: the check after
 * the formulas names both of every row.
 */
#ifndef CNNRT_ACT_H
#define CNNRT_ACT_H

#include <math.h>

#include "cnnrt.h"
#include "simd.h"
#include "vexp.h"

/* Inlined wherever used, so that an id or a formula known there folds
 * away: the kernels' loops see the activation's instructions alone. */
#if defined(__GNUC__)
#define ACT_INLINE static inline __attribute__((always_inline))
#else
#define ACT_INLINE static inline
#endif

/* v with each lane replaced by f of it: the vector formula of a LANES
 * row (f a constant once inlined). */
ACT_INLINE vf act_lanes(vf v, float p, float q, float (*f)(float, float, float))
{
	for (int i = 0; i < VW; i++)
		v[i] = f(v[i], p, q);
	return v;
}

/* ---- the formulas, one pair per row of acts.def ---------------------- */

/* relu: max(x, 0); NaN passes, as in PyTorch (clamp). The vector form
 * is simd.h's MAXV with 0 first: 0 > x ? 0 : x, x itself for NaN and -0,
 * the scalar form's bits. */
static inline float act_relu(float x, float p, float q) { (void)p, (void)q; return x < 0 ? 0 : x; }
static inline vf actv_relu(vf v, float p, float q) { vf z = {0}; (void)p, (void)q; return MAXV(z, v); }

/* relu6: min(max(x, 0), 6); NaN passes (MINV with 6 first, as relu). */
static inline float act_relu6(float x, float p, float q) { (void)p, (void)q; return x < 0 ? 0 : x > 6 ? 6 : x; }
static inline vf actv_relu6(vf v, float p, float q)
{
	vf z = {0}, six = z + 6;
	(void)p, (void)q;
	return MINV(six, MAXV(z, v));
}

/* leaky_relu: x for x > 0, else p * x (PyTorch's test: -0 and +0 both
 * become p * x). */
static inline float act_leaky_relu(float x, float p, float q) { (void)q; return x > 0 ? x : x * p; }
static inline vf actv_leaky_relu(vf v, float p, float q)
{
	vf z = {0};
	(void)q;
	return REPLACE(v, v <= z, v * p);
}

/* sigmoid: 1 / (1 + exp(-x)), never exp of a large positive number:
 * with e = exp(-|x|), 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0
 * (one division, its numerator picked), so -100 gives a tiny number, not
 * 0/inf. exp is vexp.h's (as in tanh, silu, mish and elu below). The
 * largest errors against float64 over a dense sweep of the floats
 * (tests/runtime/sweep_acts.py, native target, normal results), ours /
 * the same formula through libm / PyTorch in float32: sigmoid 2.3 / 2.3
 * / 2.2 ulp, tanh 2.5 / 2.2 (tanhf) / 1.0, silu 2.3 / 2.2 / 2.2, mish
 * 4.3 / 3.6 / 2.8 (above -87.3; below, exp(x) is a denormal and all three
 * lose bits: 46 / 46 / 135), elu 0.9 / 0.8 (expm1f) / 1.0 against
 * expm1. */
static inline float act_sigmoid(float x, float p, float q)
{
	float e = vexp_s(-fabsf(x)); /* exp of a non-positive number */
	(void)p, (void)q;
	return (x < 0 ? e : 1) / (1 + e);
}
static inline vf actv_sigmoid(vf v, float p, float q)
{
	vf z = {0}, e = vexp_v(-(vf)((vexp_vu)v & 0x7fffffffu));
	(void)p, (void)q;
	return REPLACE(z + 1, v < z, e) / (1 + e);
}

/* tanh: (1 - e) / (1 + e) with e = exp(-2|x|), through expm1 (m = e - 1,
 * so -m / (2 + m)): exact near 0, where 1 - e would lose every digit;
 * the sign of x put back (tanh(-0) is -0; NaN passes). */
static inline float act_tanh(float x, float p, float q)
{
	float m = vexpm1_s(-2.0f * fabsf(x)), t = -m / (2 + m);
	(void)p, (void)q;
	return copysignf(t, x);
}
static inline vf actv_tanh(vf v, float p, float q)
{
	vexp_vu sign = (vexp_vu)v & 0x80000000u;
	vf m = vexpm1_v(-2.0f * (vf)((vexp_vu)v & 0x7fffffffu)), t = -m / (2 + m);
	(void)p, (void)q;
	return (vf)(((vexp_vu)t & 0x7fffffffu) | sign);
}

/* hardswish: x * relu6(x + 3) / 6, the product first as in PyTorch, then
 * times 1/6 (float(1/6) is 2.4e-8 relative off): a multiplication where
 * PyTorch divides (a division costs several cycles a vector), at most 1
 * ulp from its result; NaN passes. */
#define ACT_SIXTH (1.0f / 6)
static inline float act_hardswish(float x, float p, float q)
{
	return x * act_relu6(x + 3, p, q) * ACT_SIXTH;
}
static inline vf actv_hardswish(vf v, float p, float q)
{
	return v * actv_relu6(v + 3, p, q) * ACT_SIXTH;
}

/* hardsigmoid: relu6(x + 3) / 6, as relu6(x + 3) * (1/6) (hardswish's),
 * within 1 ulp of PyTorch's quotient; NaN passes. */
static inline float act_hardsigmoid(float x, float p, float q)
{
	return act_relu6(x + 3, p, q) * ACT_SIXTH;
}
static inline vf actv_hardsigmoid(vf v, float p, float q)
{
	return actv_relu6(v + 3, p, q) * ACT_SIXTH;
}

/* silu: x / (1 + exp(-x)), PyTorch's formula: below -88.7 exp overflows
 * to inf and the quotient is -0, as there. */
static inline float act_silu(float x, float p, float q) { (void)p, (void)q; return x / (1 + vexp_s(-x)); }
static inline vf actv_silu(vf v, float p, float q) { (void)p, (void)q; return v / (1 + vexp_v(-v)); }

/* mish: x * tanh(softplus(x)), softplus(x) = log1p(exp(x)). With e =
 * exp(x), tanh(log1p(e)) = ((1 + e)^2 - 1) / ((1 + e)^2 + 1) = n / (n +
 * 2), n = e * (e + 2): no log, no cancellation. Above 20 (PyTorch's
 * softplus threshold) that is 1 in float, and mish x, so exp never
 * overflows. */
static inline float act_mish(float x, float p, float q)
{
	float e = vexp_s(x > 20 ? 20 : x), n = e * (e + 2), d = vexp_fmas(e, e + 2, 2);
	(void)p, (void)q;
	return x > 20 ? x : x * (n / d);
}
static inline vf actv_mish(vf v, float p, float q)
{
	vf big = SPLAT(20.0f), e = vexp_v(REPLACE(v, v > big, big)), n = e * (e + 2);
	vf d = vexp_fmav(e, e + 2, SPLAT(2.0f)); /* n + 2, fused or not as in act_mish */
	(void)p, (void)q;
	return REPLACE(v * (n / d), v > big, v);
}

/* elu: x for x > 0, else p * (exp(x) - 1), through expm1 (exact near 0);
 * p is alpha. NaN passes. */
static inline float act_elu(float x, float p, float q) { (void)q; return x > 0 ? x : p * vexpm1_s(x); }
static inline vf actv_elu(vf v, float p, float q)
{
	(void)q;
	vf z = {0};
	return REPLACE(p * vexpm1_v(REPLACE(v, v > z, z)), v > z, v);
}

/* gelu: p is approximate's choice (acts.def: 0 "none", 1 "tanh"), each
 * in PyTorch's order of operations. tanh: x / 2 (1 + tanh(sqrt(2 / pi)
 * (x + 0.044715 x^3))), lane by lane through libm's tanhf. none:
 * x / 2 (1 + erf(z)), z = x / sqrt 2, without erff (26 ns a float, most
 * of ConvNeXt's time): with e = erfc(|z|) by Abramowitz and Stegun
 * 7.1.26, t = 1 / (1 + 0.3275911 |z|), e = t P(t) exp(-z^2), 1 + erf(z)
 * is 2 - e for z >= 0 and e below. Its error in erf is under 1.5e-7
 * (float rounding adds about as much), so gelu's is under 2e-7 |x|,
 * 500 times inside the golden tolerance; exp is vexp.h's, and 2 - e an
 * explicit FMA, so both forms give the same bits under any
 * -ffp-contract. NaN passes; gelu(-inf) is NaN, as PyTorch's. */
#define ACT_ERFC_POLY(t, FMA, K) \
	FMA(FMA(FMA(FMA(K(1.061405429f), t, K(-1.453152027f)), t, K(1.421413741f)), t, K(-0.284496736f)), t, \
	    K(0.254829592f))
static inline float act_gelu(float x, float p, float q)
{
	(void)q;
	if (p == 0) {
		float z = fabsf(x * 0.70710678118654752440f);
		float t = 1.0f / vexp_fmas(z, 0.3275911f, 1.0f);
		float tp = t * ACT_ERFC_POLY(t, vexp_fmas, VEXP_K_S), ex = vexp_s(-(z * z));
		return 0.5f * x * (x >= 0 ? vexp_fmas(-tp, ex, 2.0f) : tp * ex);
	}
	float inner = 0.79788456080286535588f * (x + 0.044715f * (x * x * x));
	return 0.5f * x * (1 + tanhf(inner));
}
static inline vf actv_gelu(vf v, float p, float q)
{
	if (p != 0)
		return act_lanes(v, p, q, act_gelu);
	vf zero = {0}, z = v * 0.70710678118654752440f;
	z = REPLACE(z, z < zero, -z);
	vf t = 1.0f / vexp_fmav(z, VEXP_K_V(0.3275911f), VEXP_K_V(1.0f));
	vf tp = t * ACT_ERFC_POLY(t, vexp_fmav, VEXP_K_V), ex = vexp_v(-(z * z));
	return 0.5f * v * REPLACE(tp * ex, v >= zero, vexp_fmav(-tp, ex, VEXP_K_V(2.0f)));
}

/* hardtanh: min(max(x, p), q), p = min_val, q = max_val (the front end
 * refuses p > q); NaN passes, as PyTorch's clamp lets it. relu6 is
 * hardtanh(0, 6). */
static inline float act_hardtanh(float x, float p, float q) { return x < p ? p : x > q ? q : x; }
static inline vf actv_hardtanh(vf v, float p, float q)
{
	vf lo = SPLAT(p), hi = SPLAT(q);
	return MINV(hi, MAXV(lo, v)); /* as relu6 */
}

/* Both formulas of every row exist: naming a missing one is an error
 * (an undeclared identifier) in any C compiler. */
#define ACT(ID, name, kind) \
	typedef char act_formulas_of_##name[sizeof(&act_##name) > 0 && sizeof(&actv_##name) > 0 ? 1 : -1];
#include "acts.def"

/* ---- by id ---------------------------------------------------------- */

/* Activation act (an rt_act_id) of x. */
ACT_INLINE float act_scalar(int act, float p, float q, float x)
{
	switch ((rt_act_id)act) {
	case RT_ACT_NONE:
		return x;
#define ACT(ID, name, kind) \
	case RT_ACT_##ID:   \
		return act_##name(x, p, q);
#include "acts.def"
	}
	return x; /* not an rt_act_id */
}

/* Activation act (an rt_act_id) of every lane of v. */
ACT_INLINE vf act_vec(int act, float p, float q, vf v)
{
	switch ((rt_act_id)act) {
	case RT_ACT_NONE:
		return v;
#define ACT(ID, name, kind) \
	case RT_ACT_##ID:   \
		return actv_##name(v, p, q);
#include "acts.def"
	}
	return v; /* not an rt_act_id */
}

/* Whether a kernel of vectors narrower than the widest (VW_STD <
 * VW_WIDE: AVX-512) may do better storing act's input and applying act
 * in a pass of rt_act_inplace (act.c, SIMD_WIDE) over what it stored,
 * while that is in L1: the formulas built on vexp.h's exp, tens of
 * vector instructions a vector where the others take a few (silu costs
 * 0.74 cycles a float in vectors of 16, 1.3 in 8, Zen 4). Each kernel
 * says from how many values a pass it pays for the call. */
ACT_INLINE int act_wants_wide(int act)
{
	return VW_WIDE > VW_STD && (act == RT_ACT_SIGMOID || act == RT_ACT_TANH || act == RT_ACT_SILU ||
	                            act == RT_ACT_MISH || act == RT_ACT_ELU || act == RT_ACT_GELU);
}

/* ---- the epilogue's stores ------------------------------------------ */

/* The parameter p of ep's activation at output channel o: a fused
 * prelu's slope of o when ep has slopes, else ep->param. */
ACT_INLINE float act_param(const rt_epilogue *ep, int o)
{
	return ep->slope ? ep->slope[o] : ep->param;
}

/* y[0..n) = act(src + bias + res) (res may be NULL), act a constant once
 * inlined, with parameters p and q. */
ACT_INLINE void act_row(int act, float p, float q, float *y, const float *src, const float *res, float bias, int n)
{
	int j = 0;
	for (; j + VW <= n; j += VW) {
		vf v, r;
		LOADV(v, src + j);
		v += bias;
		if (res) {
			LOADV(r, res + j);
			v += r;
		}
		v = act_vec(act, p, q, v);
		STOREV(y + j, v);
	}
	if (j == n)
		return;
	/* the last n - j < VW values, through one vector: relu6's two tests
	 * as scalar branches mispredict on rows of 7 or 14 pixels */
	vf v = {0};
	for (int i = 0; i < n - j; i++)
		v[i] = res ? src[j + i] + bias + res[j + i] : src[j + i] + bias; /* (+ 0 would make a -0 +0) */
	v = act_vec(act, p, q, v);
	for (int i = 0; i < n - j; i++)
		y[j + i] = v[i];
}

/* dst[0..count) = act(lanes [l, l + count) of v, + bias + res[0..count))
 * for l + count <= VW (res may be NULL): the store of a vector kernel
 * with the epilogue ep (NULL: none) at output channel o (its slope, if
 * ep has them), a whole vector or the part of one (simd.h's
 * STOREV_PART: with AVX-512 one masked store). */
ACT_INLINE void act_store_lanes(const rt_epilogue *ep, int o, float *dst, vf v, float bias, const float *res, int l,
                                int count)
{
	vf r = {0};
	v += bias;
	if (res) {
		if (count == VW)
			LOADV(r, res);
		else
			LOADV_PART(r, res, l, count);
		v += r;
	}
	if (ep)
		v = act_vec(ep->act, act_param(ep, o), ep->param2, v);
	if (count == VW)
		STOREV(dst, v);
	else
		STOREV_PART(dst, v, l, count);
}

/* The same from lane 0: dst[0..count) = act(v + bias + res[0..count)). */
static inline void act_store(const rt_epilogue *ep, int o, float *dst, vf v, float bias, const float *res, int count)
{
	act_store_lanes(ep, o, dst, v, bias, res, 0, count);
}

#endif
