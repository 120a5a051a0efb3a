/*
 * binop.h: the binary ops' loops, private to the kernels (eltwise.c,
 * broadcast.c).
 *
 * BINOP_LOOP(op, LOOP) runs LOOP(OP) with OP the C operator of op (+, -,
 * *, /): each kernel's loop is written once, as a macro of the operator,
 * and compiled once per op with the operator a constant, so that it
 * vectorizes. IEEE float arithmetic, as PyTorch's kernels.
 */
#ifndef CNNRT_BINOP_H
#define CNNRT_BINOP_H

#include "cnnrt.h"

#define BINOP_LOOP(op, LOOP)                 \
	switch ((rt_binop)(op)) {            \
	case RT_BIN_ADD: LOOP(+); break;     \
	case RT_BIN_SUB: LOOP(-); break;     \
	case RT_BIN_MUL: LOOP(*); break;     \
	case RT_BIN_DIV: LOOP(/); break;     \
	}

#endif
