/*
 * test_threads.c: the runtime's thread pool (runtime/threads.c).
 *
 * What a kernel relies on: every item of a parallel loop runs exactly
 * once, in contiguous chunks that cut the loop into ranges as equal as
 * whole items allow (one per thread, on as many threads as the loop has
 * grains, at most) and no chunk longer than a range, the chunks are the
 * same on every run and exactly threads.c's formula, a loop started inside another runs serially,
 * rt_parallel returns only once every chunk is done (however slow the
 * other thread's), thousands of loops in a row neither hang nor lose
 * items, a worker's stack holds the kernels' stack scratch
 * (RT_WORKER_STACK) where the C library's default would not, a range
 * of a few grains ends in chunks too, and rt_parallel_slots' bodies
 * see a slot below its bound (0 in a nested loop).
 */
#define _GNU_SOURCE /* nanosleep; pthread_getattr_np, pthread_setattr_default_np */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "cnnrt.h"

#define MAX_ITEMS 1000

/* What one loop saw: per item, how often it ran and which slice ran it. */
typedef struct {
	int hits[MAX_ITEMS];     /* runs of each item (atomic enough: each slot
	                            is written by the one slice that owns it) */
	int slice_of[MAX_ITEMS]; /* begin of the slice that ran the item */
	int size[MAX_ITEMS];     /* items of the slice that began there */
} Seen;

static void mark(void *ctx, int begin, int end)
{
	Seen *s = ctx;
	s->size[begin] = end - begin;
	for (int i = begin; i < end; i++) {
		s->hits[i]++;
		s->slice_of[i] = begin;
	}
}

/* Runs a loop of n items with the given grain on t threads; checks each
 * item ran once, in contiguous chunks, that each of the `ranges` equal
 * ranges (n*i/ranges) starts a chunk and no chunk is longer than a
 * range; returns the number of chunks. */
static int run_loop(Seen *s, int t, int n, int grain, int ranges)
{
	memset(s, 0, sizeof *s);
	rt_threads(t);
	rt_parallel(n, grain, mark, s);
	int slices = 0;
	for (int i = 0; i < n; i++) {
		assert_int_equal(s->hits[i], 1);
		if (i == 0 || s->slice_of[i] != s->slice_of[i - 1]) {
			assert_int_equal(s->slice_of[i], i); /* contiguous: a slice starts where it is first seen */
			slices++;
		}
	}
	for (int i = n; i < MAX_ITEMS; i++)
		assert_int_equal(s->hits[i], 0);
	for (int r = 0; r < ranges && n; r++)
		assert_int_equal(s->slice_of[(long long)n * r / ranges], (long long)n * r / ranges);
	for (int i = 0; i < n; i++)
		assert_true(s->size[i] <= (n + ranges - 1) / (ranges ? ranges : 1));
	return slices;
}

static void test_one_thread_is_one_call(void **state)
{
	(void)state;
	static Seen s;
	assert_int_equal(run_loop(&s, 1, 997, 1, 1), 1);
	assert_int_equal(run_loop(&s, 1, 0, 1, 1), 0);
}

/* The begin of the chunk that holds each item of a loop of n items,
 * grain `grain`, on t threads, as threads.c's chunk_start documents it:
 * one range per thread taking part (at most one per grain), range p
 * items [n*p/parts, n*(p+1)/parts); a range of two grains or more (by
 * n/grain rounded down over parts) ends in four chunks of 1/16 of it
 * rounded down, at least a grain, its first chunk what they leave (those
 * that do not fit start at the range's begin: empty). */
static void expected_starts(int n, int grain, int t, int *start)
{
	int units = (n + grain - 1) / grain, parts = units < t ? units : t;
	if (parts < 1)
		parts = 1;
	int tail = parts > 1 && units / parts >= 2;
	for (int p = 0; p < parts; p++) {
		long long b = (long long)n * p / parts, e = (long long)n * (p + 1) / parts;
		long long sz = (e - b) / 16 > grain ? (e - b) / 16 : grain;
		for (long long i = b; i < e; i++) {
			long long at = b;
			for (int k = 1; tail && k <= 4; k++)
				if (e - k * sz >= b && i >= e - k * sz) {
					at = e - k * sz;
					break;
				}
			start[i] = (int)at;
		}
	}
}

static void test_every_item_once_per_split(void **state)
{
	(void)state;
	static Seen s;
	static int want[MAX_ITEMS];
	const int threads[] = {2, 3, 4, 7};
	const int ns[] = {1, 2, 5, 7, 13, 37, 100, 257, 999};
	const int grains[] = {1, 4, 16};
	for (size_t t = 0; t < sizeof threads / sizeof *threads; t++)
		for (size_t k = 0; k < sizeof ns / sizeof *ns; k++)
			for (size_t g = 0; g < sizeof grains / sizeof *grains; g++) {
				int n = ns[k], grain = grains[g];
				int units = (n + grain - 1) / grain;
				int ranges = units < threads[t] ? units : threads[t];
				int chunks = run_loop(&s, threads[t], n, grain, ranges);
				assert_true(chunks >= ranges && chunks <= 5 * ranges); /* a range: 1, or 1 + TAIL (4) */
				/* and exactly where threads.c's formula puts them */
				expected_starts(n, grain, threads[t], want);
				for (int i = 0; i < n; i++)
					if (s.slice_of[i] != want[i])
						fail_msg("n %d grain %d threads %d: item %d ran in the chunk from %d, not %d", n, grain,
						         threads[t], i, s.slice_of[i], want[i]);
			}
	rt_threads(1);
}

static void test_split_is_the_same_every_run(void **state)
{
	(void)state;
	static Seen a, b;
	run_loop(&a, 3, 500, 8, 3);
	for (int r = 0; r < 50; r++) {
		run_loop(&b, 3, 500, 8, 3);
		assert_memory_equal(a.slice_of, b.slice_of, sizeof a.slice_of);
	}
	rt_threads(1);
}

/* The chunk boundaries are a function of (n, grain, threads) alone: the
 * kernels' outputs are the same bytes on any thread count because an
 * item never depends on where its chunk starts (test_parallel.c), and a
 * split moved by one item would be another valid cover: besides the
 * formula (test_every_item_once_per_split), one split written out. */
static void test_chunks_are_the_documented_split(void **state)
{
	(void)state;
	static Seen s;
	/* 100 items, grain 1, 2 threads: ranges [0,50) [50,100), each 38 + 3 + 3 + 3 + 3 */
	const int starts[] = {0, 38, 41, 44, 47, 50, 88, 91, 94, 97};
	assert_int_equal(run_loop(&s, 2, 100, 1, 2), 10);
	for (size_t k = 0; k < sizeof starts / sizeof *starts; k++) {
		int end = k + 1 < sizeof starts / sizeof *starts ? starts[k + 1] : 100;
		assert_int_equal(s.size[starts[k]], end - starts[k]);
	}
	rt_threads(1);
}

static Seen nested_inner;

static void outer(void *ctx, int begin, int end)
{
	Seen *s = ctx;
	mark(s, begin, end);
	if (begin == 0) /* one slice starts a loop of its own */
		rt_parallel(100, 1, mark, &nested_inner);
}

static void test_nested_loop_runs_serially(void **state)
{
	(void)state;
	static Seen s;
	memset(&s, 0, sizeof s);
	memset(&nested_inner, 0, sizeof nested_inner);
	rt_threads(2);
	rt_parallel(200, 1, outer, &s);
	for (int i = 0; i < 200; i++)
		assert_int_equal(s.hits[i], 1);
	for (int i = 0; i < 100; i++) {
		assert_int_equal(nested_inner.hits[i], 1);
		assert_int_equal(nested_inner.slice_of[i], 0); /* one slice: serial */
	}
	rt_threads(1);
}

static void count(void *ctx, int begin, int end)
{
	int *c = ctx;
	c[begin] += end - begin; /* each slice owns its begin slot */
}

static void test_many_loops_in_a_row(void **state)
{
	(void)state;
	static int c[64];
	rt_threads(2);
	for (int r = 0; r < 20000; r++) {
		memset(c, 0, sizeof c);
		rt_parallel(64, 1, count, c);
		int total = 0;
		for (int i = 0; i < 64; i++)
			total += c[i];
		assert_int_equal(total, 64);
	}
	rt_threads(1);
}

/* mark, after 20 ms for the chunks of the loop's second half (the
 * worker's range, or the caller's when it takes them): far longer than
 * the caller polls before it sleeps on the worker. */
static void mark_slowly(void *ctx, int begin, int end)
{
	Seen *s = ctx;
	if (begin >= 50) {
		struct timespec t = {0, 20 * 1000 * 1000};
		nanosleep(&t, NULL);
	}
	mark(s, begin, end);
}

static void test_returns_after_every_chunk(void **state)
{
	(void)state;
	static Seen s;
	for (int r = 0; r < 3; r++) {
		memset(&s, 0, sizeof s);
		rt_threads(2);
		rt_parallel(100, 1, mark_slowly, &s);
		for (int i = 0; i < 100; i++)
			assert_int_equal(s.hits[i], 1);
	}
	rt_threads(1);
}

/* The stack scratch a kernel may keep, rounded up: cnnrt.h documents
 * about 200 KB at most (the AVX2 int8 GEMM's split rows 128 KB, the
 * channel-blocked depthwise's planes 66 KB), below the pool's frames. */
#define KERNEL_STACK (256 * 1024)

/* What the stack task saw on the thread that ran its item 1. */
typedef struct {
	pthread_t caller;   /* the thread that called rt_parallel */
	int worker_ran;     /* item 1 ran (atomic) */
	int on_worker;      /* ...on a thread other than the caller */
	long long free;     /* bytes of its stack below the task's frame, guard excluded; -1 unknown */
	int touched;        /* it wrote KERNEL_STACK bytes of locals and came back */
} StackSeen;

/* Writes a byte a page of KERNEL_STACK bytes of locals, as a kernel's
 * scratch would; returns one of them so nothing is optimized away. */
static __attribute__((noinline)) int use_kernel_stack(void)
{
	volatile char scratch[KERNEL_STACK];
	for (size_t i = 0; i < sizeof scratch; i += 4096)
		scratch[i] = (char)i;
	scratch[sizeof scratch - 1] = 1;
	return scratch[sizeof scratch - 1];
}

/* Item 0 (the caller's range) waits up to 5 s for item 1 to run on the
 * worker; item 1 measures its thread's free stack and, when there is
 * room, uses KERNEL_STACK of it (too little room is reported, not
 * crashed on: cmocka's asserts belong to the caller's thread). */
static void stack_task(void *ctx, int begin, int end)
{
	StackSeen *s = ctx;
	for (int i = begin; i < end; i++) {
		if (i == 0) {
			for (int w = 0; w < 5000 && !__atomic_load_n(&s->worker_ran, __ATOMIC_ACQUIRE); w++) {
				struct timespec t = {0, 1000 * 1000};
				nanosleep(&t, NULL);
			}
			continue;
		}
		s->on_worker = !pthread_equal(pthread_self(), s->caller);
		s->free = -1;
#if defined(__GLIBC__)
		pthread_attr_t a;
		void *lo;
		size_t size, guard;
		if (pthread_getattr_np(pthread_self(), &a) == 0) {
			if (pthread_attr_getstack(&a, &lo, &size) == 0 && pthread_attr_getguardsize(&a, &guard) == 0)
				s->free = (long long)((char *)&a - (char *)lo) - (long long)guard;
			pthread_attr_destroy(&a);
		}
#endif
		if (s->free >= KERNEL_STACK + 16 * 1024) /* the scratch and this frame's callees */
			s->touched = use_kernel_stack();
		__atomic_store_n(&s->worker_ran, 1, __ATOMIC_RELEASE);
	}
}

/* main lowers the C library's default thread stack (glibc's 8 MB) to
 * its least before any worker starts, so the workers run on the stack
 * the pool asks for, as under a libc whose default is small (musl's
 * 128 KB): with RT_WORKER_STACK at 128 KB this fails. */
static void test_worker_stack_holds_kernel_scratch(void **state)
{
	(void)state;
	static StackSeen s;
	memset(&s, 0, sizeof s);
	s.caller = pthread_self();
	rt_threads(2);
	rt_parallel(2, 1, stack_task, &s);
	rt_threads(1);
	assert_true(s.worker_ran);
	assert_true(s.on_worker);
#if defined(__GLIBC__)
	if (s.free < KERNEL_STACK + 16 * 1024)
		fail_msg("a worker has %lld bytes of stack free, the kernels need %d (RT_WORKER_STACK %d)", s.free,
		         KERNEL_STACK + 16 * 1024, RT_WORKER_STACK);
	assert_int_equal(s.touched, 1);
#endif
}

/* A range of a few grains (2 threads: 3 items each) still ends in
 * chunks another thread may take, each of whole grains but the range's
 * first. */
static void test_few_grains_get_a_tail(void **state)
{
	(void)state;
	static Seen s;
	assert_true(run_loop(&s, 2, 6, 1, 2) > 2);
	const int ns[] = {8, 14, 15, 40};
	for (size_t k = 0; k < sizeof ns / sizeof *ns; k++) {
		int n = ns[k];
		assert_true(run_loop(&s, 2, n, 2, 2) > 2);
		for (int i = 0; i < n; i++)
			if (s.size[i] && i != 0 && i != n / 2)
				assert_true(s.size[i] >= 2);
	}
	rt_threads(1);
}

/* What the slots loops saw: per item the slot that ran it (the outer
 * loop's, and a nested loop's). */
static int slot_of[MAX_ITEMS], inner_slot_of[MAX_ITEMS];
static Seen slot_inner;

static void mark_slot(void *ctx, int begin, int end)
{
	mark(ctx, begin, end);
	for (int i = begin; i < end; i++)
		slot_of[i] = rt_thread_slot();
}

static void mark_inner_slot(void *ctx, int begin, int end)
{
	mark(ctx, begin, end);
	for (int i = begin; i < end; i++)
		inner_slot_of[i] = rt_thread_slot();
}

/* mark_slot, and a nested loop from the chunk that holds item 150 (the
 * worker's range's first), whose body must see slot 0 whichever thread
 * runs it (it runs serially), and the chunk's slot again after it. */
static void mark_slot_nested(void *ctx, int begin, int end)
{
	mark_slot(ctx, begin, end);
	if (begin <= 150 && 150 < end) {
		int before = rt_thread_slot();
		rt_parallel_slots(100, 1, 2, mark_inner_slot, &slot_inner);
		assert_int_equal(rt_thread_slot(), before);
	}
}

/* rt_parallel_slots takes at most `slots` threads, and a body's
 * rt_thread_slot is below it, whatever rt_threads said. */
static void test_slots_bound_the_threads(void **state)
{
	(void)state;
	static Seen s;
	for (int slots = 1; slots <= 3; slots++) {
		memset(&s, 0, sizeof s);
		memset(slot_of, 0xff, sizeof slot_of);
		rt_threads(3);
		rt_parallel_slots(300, 1, slots, mark_slot, &s);
		for (int i = 0; i < 300; i++) {
			assert_int_equal(s.hits[i], 1);
			assert_true(slot_of[i] >= 0 && slot_of[i] < slots);
		}
		if (slots == 1)
			assert_int_equal(s.size[0], 300); /* one call: serial */
	}
	memset(&s, 0, sizeof s);
	memset(&slot_inner, 0, sizeof slot_inner);
	memset(inner_slot_of, 0xff, sizeof inner_slot_of);
	rt_threads(2);
	rt_parallel_slots(300, 1, 2, mark_slot_nested, &s);
	assert_int_equal(slot_inner.size[0], 100);
	for (int k = 0; k < 100; k++)
		assert_int_equal(inner_slot_of[k], 0);
	rt_threads(1);
}

int main(void)
{
#if defined(__GLIBC__)
	{
		pthread_attr_t a;
		if (pthread_attr_init(&a) == 0) {
			pthread_attr_setstacksize(&a, PTHREAD_STACK_MIN);
			pthread_setattr_default_np(&a);
			pthread_attr_destroy(&a);
		}
	}
#endif
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_worker_stack_holds_kernel_scratch),
		cmocka_unit_test(test_one_thread_is_one_call),
		cmocka_unit_test(test_every_item_once_per_split),
		cmocka_unit_test(test_split_is_the_same_every_run),
		cmocka_unit_test(test_chunks_are_the_documented_split),
		cmocka_unit_test(test_nested_loop_runs_serially),
		cmocka_unit_test(test_many_loops_in_a_row),
		cmocka_unit_test(test_returns_after_every_chunk),
		cmocka_unit_test(test_few_grains_get_a_tail),
		cmocka_unit_test(test_slots_bound_the_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
