/*
 * user_main.c: a program a user writes around a generated model, built by
 * tests/cli/test_install.py against the installed runtime:
 *
 *     cc -O2 -std=c99 user_main.c lenet5.c $(pkg-config --cflags --libs cnnrt)
 *     ./a.out IN.f32 OUT.f32
 *
 * IN.f32 holds LENET5_INPUT_COUNT raw little-endian floats (NCHW); the
 * output's LENET5_OUTPUT_COUNT floats are written to OUT.f32.
 */
#include <stdio.h>

#include "lenet5.h"

static float in[LENET5_INPUT_COUNT];   /* the model's input, NCHW */
static float out[LENET5_OUTPUT_COUNT]; /* its output */

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s IN.f32 OUT.f32\n", argv[0]);
		return 2;
	}
	FILE *f = fopen(argv[1], "rb");
	if (!f || fread(in, sizeof in, 1, f) != 1) {
		fprintf(stderr, "%s: cannot read %zu bytes\n", argv[1], sizeof in);
		return 1;
	}
	fclose(f);
	lenet5_run(in, out);
	f = fopen(argv[2], "wb");
	if (!f || fwrite(out, sizeof out, 1, f) != 1 || fclose(f) != 0) {
		fprintf(stderr, "%s: cannot write\n", argv[2]);
		return 1;
	}
	return 0;
}
