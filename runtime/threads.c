/*
 * threads.c: a persistent thread pool for the kernels' outer loops.
 *
 * A generated program compiled with --threads N calls rt_threads(N) at
 * the start of each run; the first call starts N-1 workers, which then
 * live as long as the process and sleep between parallel loops. A kernel
 * hands its outermost independent loop to rt_parallel, which splits it
 * statically into one contiguous slice per thread, as equal as whole
 * items allow (the caller runs the first; a loop of fewer grains than
 * threads takes fewer threads): no thread is created per call, and a loop is always cut into
 * the same slices, so outputs do not depend on timing. A slice whose
 * worker has not started on it by the time the caller is done with its
 * own, the caller runs too.
 *
 * With one thread (the default, and always without pthreads: define
 * CNNRT_NO_THREADS) rt_parallel is a plain call of the loop body. A
 * parallel loop started while another runs (a kernel calling a kernel, or
 * two application threads running models at once) runs serially in the
 * caller, which is always correct.
 */
#define _POSIX_C_SOURCE 200809L /* pthreads under -std=c99 */

#include "cnnrt.h"

#if defined(CNNRT_NO_THREADS)

void rt_threads(int n) { (void)n; }

void rt_parallel(int n, int grain, rt_task_fn fn, void *ctx)
{
	(void)grain;
	if (n > 0)
		fn(ctx, 0, n);
}

#else

#include <pthread.h>

#define SPIN 200000 /* polls of a flag before sleeping on it: ~100 us */

/* The loop being run in parallel, written under mu before a dispatch. */
typedef struct {
	rt_task_fn fn;   /* loop body over a slice [begin, end) */
	void *ctx;       /* its argument */
	int n;           /* items in the loop */
	int parts;       /* threads taking part: slices 0 .. parts-1 */
} Job;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;   /* a new job, for workers */
static pthread_cond_t finished = PTHREAD_COND_INITIALIZER; /* pending reached 0 */
static Job job;                /* the current job */
static unsigned long round_no; /* incremented per job; workers wait for a new one */
static int pending;            /* slices 1.. of job not yet finished */
static int claimed[RT_MAX_THREADS]; /* slice i of job taken (by worker i or the caller) */
static int busy;               /* a parallel loop is running */
static int started = 1;        /* threads that exist: the caller and workers 1.. */
static int active = 1;         /* threads the next loops use (rt_threads) */
static pthread_t workers[RT_MAX_THREADS]; /* worker i at index i (0 unused) */
static unsigned long born[RT_MAX_THREADS]; /* round_no when worker i started */

/* Runs slice part of j: items [n*part/parts, n*(part+1)/parts). The
 * grain only decides how many parts there are. Cut into whole grains, a
 * loop of a little over one grain gave one thread a grain and the other
 * the rest (winograd's output transform of resnet18's 7x7 layers: 94% of
 * it on one thread); cut evenly, the threads are equally busy. */
static void run_slice(const Job *j, int part)
{
	long long b = (long long)j->n * part / j->parts;
	long long e = (long long)j->n * (part + 1) / j->parts;
	if (b < e)
		j->fn(j->ctx, (int)b, (int)e);
}

static void *worker(void *arg)
{
	int id = (int)(size_t)arg;
	pthread_mutex_lock(&mu);
	unsigned long seen = born[id]; /* rounds before it started are not its */
	for (;;) {
		if (round_no == seen) {
			/* Layers follow each other within microseconds: poll a
			 * while before sleeping, since a futex wake-up costs tens. */
			pthread_mutex_unlock(&mu);
			for (int i = 0; i < SPIN && __atomic_load_n(&round_no, __ATOMIC_ACQUIRE) == seen; i++)
				;
			pthread_mutex_lock(&mu);
		}
		while (round_no == seen)
			pthread_cond_wait(&wake, &mu);
		seen = round_no;
		if (id >= job.parts || claimed[id])
			continue; /* not in this loop, or the caller ran it already */
		claimed[id] = 1;
		Job j = job;
		pthread_mutex_unlock(&mu);
		run_slice(&j, id);
		pthread_mutex_lock(&mu);
		if (__atomic_sub_fetch(&pending, 1, __ATOMIC_RELEASE) == 0)
			pthread_cond_signal(&finished);
	}
	return NULL;
}

void rt_threads(int n)
{
	if (n < 1)
		n = 1;
	if (n > RT_MAX_THREADS)
		n = RT_MAX_THREADS;
	pthread_mutex_lock(&mu);
	pthread_attr_t attr;
	size_t stack;
	int have_attr = pthread_attr_init(&attr) == 0;
	if (have_attr && pthread_attr_getstacksize(&attr, &stack) == 0 && stack < RT_WORKER_STACK)
		pthread_attr_setstacksize(&attr, RT_WORKER_STACK);
	while (started < n && !busy) {
		born[started] = round_no;
		if (pthread_create(&workers[started], have_attr ? &attr : NULL, worker, (void *)(size_t)started) != 0)
			break; /* fewer threads than asked: slower, still correct */
		started++;
	}
	if (have_attr)
		pthread_attr_destroy(&attr);
	active = n < started ? n : started;
	pthread_mutex_unlock(&mu);
}

void rt_parallel(int n, int grain, rt_task_fn fn, void *ctx)
{
	if (n <= 0)
		return;
	if (grain < 1)
		grain = 1;
	int units = (n + grain - 1) / grain;
	pthread_mutex_lock(&mu);
	int parts = active < units ? active : units;
	if (parts <= 1 || busy) {
		pthread_mutex_unlock(&mu);
		fn(ctx, 0, n);
		return;
	}
	busy = 1;
	job = (Job){fn, ctx, n, parts};
	Job j = job;
	pending = parts - 1;
	for (int i = 1; i < parts; i++)
		claimed[i] = 0;
	__atomic_add_fetch(&round_no, 1, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&wake);
	pthread_mutex_unlock(&mu);
	run_slice(&j, 0);
	/* Slices whose worker has not woken yet (the machine may be running
	 * something else on the other cores) the caller runs itself: the
	 * split stays the same, so the output does too, and an oversubscribed
	 * machine runs the loop no slower than one thread would. */
	int mine[RT_MAX_THREADS], nmine = 0;
	pthread_mutex_lock(&mu);
	for (int i = 1; i < parts; i++)
		if (!claimed[i]) {
			claimed[i] = 1;
			mine[nmine++] = i;
		}
	pthread_mutex_unlock(&mu);
	for (int k = 0; k < nmine; k++)
		run_slice(&j, mine[k]);
	if (nmine)
		__atomic_sub_fetch(&pending, nmine, __ATOMIC_RELEASE);
	for (int i = 0; i < SPIN && __atomic_load_n(&pending, __ATOMIC_ACQUIRE) > 0; i++)
		;
	pthread_mutex_lock(&mu);
	while (pending > 0)
		pthread_cond_wait(&finished, &mu);
	busy = 0;
	pthread_mutex_unlock(&mu);
}

#endif
