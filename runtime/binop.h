/*
 * binop.h: the binary ops' loops, private to the kernels (eltwise.c,
 * broadcast.c).
 *
 * BINOP_LOOP(op, LOOP) runs LOOP(OP) with OP the C operator of op (+, -,
 * *, /): each kernel's loop is written once, as a macro of the operator,
 * and compiled once per op with the operator a constant, so that it
 * vectorizes (BINOP_NUMBER's, a tensor with a number, in vectors
 * itself). IEEE float arithmetic, as PyTorch's kernels.
 */
#ifndef CNNRT_BINOP_H
#define CNNRT_BINOP_H

#include <stddef.h>

#include "cnnrt.h"
#include "simd.h"

#define BINOP_LOOP(op, LOOP)                 \
	switch ((rt_binop)(op)) {            \
	case RT_BIN_ADD: LOOP(+); break;     \
	case RT_BIN_SUB: LOOP(-); break;     \
	case RT_BIN_MUL: LOOP(*); break;     \
	case RT_BIN_DIV: LOOP(/); break;     \
	}

/* y[j] = s OP a[j] (s_first true) or a[j] OP s, j in [j0, j1): a tensor
 * with a number, in vectors of VW, the ragged end one by one; a load
 * before the store, so y may be a. A LOOP(OP) for BINOP_LOOP. */
#define BINOP_NUMBER(OP, y, a, s, s_first, j0, j1)                      \
	{                                                               \
		size_t j_ = (j0);                                       \
		vf s_ = SPLAT(s);                                       \
		for (; j_ + VW <= (j1); j_ += VW) {                     \
			vf x_;                                          \
			LOADV(x_, (a) + j_);                            \
			x_ = (s_first) ? s_ OP x_ : x_ OP s_;           \
			STOREV((y) + j_, x_);                           \
		}                                                       \
		for (; j_ < (j1); j_++)                                 \
			(y)[j_] = (s_first) ? (s) OP (a)[j_] : (a)[j_] OP (s); \
	}

#endif
