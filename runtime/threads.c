/*
 * threads.c: a persistent thread pool for the kernels' outer loops.
 *
 * A generated program compiled with --threads N calls rt_threads(N) at
 * the start of each run; the first call starts N-1 workers, which then
 * live as long as the process and sleep between parallel loops. A kernel
 * hands its outermost independent loop to rt_parallel, which splits it
 * into one contiguous range per thread, as equal as whole items allow (the
 * caller takes the first; a loop of fewer grains than threads takes fewer
 * threads), and cuts the end of each range into a few small chunks: a
 * thread runs its own range from the front, then takes the chunks other
 * threads have not started, from the back. The two cores of a shared
 * machine are not always equally fast (this KVM guest's second vCPU ran
 * 15% slower at times: tests/bench/peak.c, 78.6 against 91.9 GFLOP/s),
 * and a static half each left the faster thread waiting for that
 * difference on every loop. No thread is created per call, and the chunks depend only on the
 * loop (n, grain) and the thread count, never on timing; which thread
 * runs a chunk changes nothing in its output. A worker that has not woken
 * by the time the caller is done with its range loses its chunks to the
 * caller one by one from the end (until then the caller ran the whole of
 * a late worker's slice, and the loop was serial), and takes those left
 * when it comes.
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

void rt_parallel_slots(int n, int grain, int slots, rt_task_fn fn, void *ctx)
{
	(void)grain, (void)slots;
	if (n > 0)
		fn(ctx, 0, n);
}

void rt_parallel(int n, int grain, rt_task_fn fn, void *ctx) { rt_parallel_slots(n, grain, 1, fn, ctx); }

int rt_thread_slot(void) { return 0; }

#else

#include <pthread.h>

#define SPIN 200000 /* polls of a flag before sleeping on it: ~100 us */

#define TAIL 4 /* small chunks at the end of each thread's range */

/* The loop being run in parallel, written under mu before a dispatch. */
typedef struct {
	rt_task_fn fn;   /* loop body over a chunk [begin, end) */
	void *ctx;       /* its argument */
	int n;           /* items in the loop */
	int grain;       /* fewest items worth a thread: a tail chunk holds at least one grain */
	int parts;       /* threads taking part: ranges 0 .. parts-1 */
	int chunks;      /* chunks per range: 1 (the whole range) or 1 + TAIL */
} Job;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;   /* a new job, for workers */
static pthread_cond_t finished = PTHREAD_COND_INITIALIZER; /* the last worker inside the job left */
static Job job;                /* the current job */
static unsigned long round_no; /* incremented per job; workers wait for a new one */
static int open_job;           /* workers may still join the job (under mu) */
static int inside;             /* workers that joined the job and have not left it (under mu) */
static int taken[RT_MAX_THREADS]; /* range i's chunks claimed: bit k for chunk k (atomic) */
static int busy;               /* a parallel loop is running */
static int started = 1;        /* threads that exist: the caller and workers 1.. */
static int active = 1;         /* threads the next loops use (rt_threads) */
static pthread_t workers[RT_MAX_THREADS]; /* worker i at index i (0 unused) */
static unsigned long born[RT_MAX_THREADS]; /* round_no when worker i started */

/* Where chunk k of range `part` of j starts: range part is items
 * [n*part/parts, n*(part+1)/parts), its first chunk what the TAIL others
 * leave, each of those 1/16 of the range but at least a grain (at the
 * range's start, those that do not fit are empty). The grain decides
 * how many ranges there are, and how small a chunk may be. Cut into whole
 * grains, a loop of a little over one grain gave one thread a grain and
 * the other the rest (winograd's output transform of resnet18's 7x7
 * layers: 94% of it on one thread); cut evenly, the threads are equally
 * busy. A range of a few grains ends in chunks of one grain: a loop of
 * big items (winograd's 13 blocks of tiles of resnet50's 56x56 layers,
 * one per grain) is balanced item by item. */
static long long chunk_start(const Job *j, int part, int k)
{
	long long b = (long long)j->n * part / j->parts, e = (long long)j->n * (part + 1) / j->parts;
	if (k >= j->chunks)
		return e;
	long long s = (e - b) / 16 > j->grain ? (e - b) / 16 : j->grain; /* a tail chunk */
	long long at = e - (TAIL + 1 - k) * s;
	return k == 0 || at < b ? b : at;
}

/* The thread's index in the pool, for rt_thread_slot: set by each worker
 * (1..), unset (0) in any other thread and, for the time of a loop that
 * runs serially, in a worker that runs one from its chunk (so the loop's
 * body takes area 0, as it would on one thread). */
static pthread_key_t slot_key;
static pthread_once_t slot_once = PTHREAD_ONCE_INIT;
static void make_slot_key(void) { pthread_key_create(&slot_key, NULL); }

int rt_thread_slot(void)
{
	pthread_once(&slot_once, make_slot_key);
	return (int)(size_t)pthread_getspecific(slot_key);
}

/* A loop run whole by the calling thread, as slot 0. */
static void serial(rt_task_fn fn, void *ctx, int n)
{
	pthread_once(&slot_once, make_slot_key);
	void *slot = pthread_getspecific(slot_key);
	if (slot)
		pthread_setspecific(slot_key, NULL);
	fn(ctx, 0, n);
	if (slot)
		pthread_setspecific(slot_key, slot);
}

/* Takes chunk k of range q if no thread has: one bit of taken[q] each. */
static int claim(int q, int k)
{
	int bit = 1 << k;
	return !(__atomic_fetch_or(&taken[q], bit, __ATOMIC_ACQ_REL) & bit);
}

/* Runs the chunks of j it can claim: those of its own range `part` from
 * the front, then the other ranges' from the back (the small chunks
 * first: a worker that wakes late still finds its range's start). */
static void run_chunks(const Job *j, int part)
{
	for (int r = 0; r < j->parts; r++) {
		int q = (part + r) % j->parts;
		for (int i = 0; i < j->chunks; i++) {
			int k = r == 0 ? i : j->chunks - 1 - i;
			if (!claim(q, k))
				continue;
			long long b = chunk_start(j, q, k), e = chunk_start(j, q, k + 1);
			if (b < e)
				j->fn(j->ctx, (int)b, (int)e);
		}
	}
}

static void *worker(void *arg)
{
	int id = (int)(size_t)arg;
	pthread_once(&slot_once, make_slot_key);
	pthread_setspecific(slot_key, arg);
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
		if (id >= job.parts || !open_job)
			continue; /* not in this loop, or its chunks are all claimed */
		__atomic_add_fetch(&inside, 1, __ATOMIC_RELAXED);
		Job j = job;
		pthread_mutex_unlock(&mu);
		run_chunks(&j, id);
		pthread_mutex_lock(&mu);
		if (__atomic_sub_fetch(&inside, 1, __ATOMIC_RELEASE) == 0)
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

void rt_parallel_slots(int n, int grain, int slots, rt_task_fn fn, void *ctx)
{
	if (n <= 0)
		return;
	if (grain < 1)
		grain = 1;
	int units = (n + grain - 1) / grain;
	pthread_mutex_lock(&mu);
	int parts = active < units ? active : units;
	parts = parts < slots ? parts : slots;
	if (parts <= 1 || busy) {
		pthread_mutex_unlock(&mu);
		serial(fn, ctx, n);
		return;
	}
	busy = 1;
	/* a tail where each range holds at least two grains */
	job = (Job){fn, ctx, n, grain, parts, units / parts >= 2 ? 1 + TAIL : 1};
	Job j = job;
	for (int i = 0; i < parts; i++)
		taken[i] = 0;
	open_job = 1;
	__atomic_add_fetch(&round_no, 1, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&wake);
	pthread_mutex_unlock(&mu);
	run_chunks(&j, 0);
	/* Every chunk is claimed: no worker joins any more. Those inside
	 * finish their chunks and leave; then the claim counters and the job
	 * are free for the next loop. */
	pthread_mutex_lock(&mu);
	open_job = 0;
	pthread_mutex_unlock(&mu);
	for (int i = 0; i < SPIN && __atomic_load_n(&inside, __ATOMIC_ACQUIRE) > 0; i++)
		;
	pthread_mutex_lock(&mu);
	while (inside > 0)
		pthread_cond_wait(&finished, &mu);
	busy = 0;
	pthread_mutex_unlock(&mu);
}

void rt_parallel(int n, int grain, rt_task_fn fn, void *ctx) { rt_parallel_slots(n, grain, RT_MAX_THREADS, fn, ctx); }

#endif
