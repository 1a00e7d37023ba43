/* Linked into the libFuzzer builds of the targets (`make fuzz`) with
 * -Wl,--wrap=LLVMFuzzerTestOneInput: libFuzzer calls this, which times the
 * target's own function in CPU time of the thread (the machine is shared:
 * wall time would count other jobs) and aborts on a unit slower than
 * UNICAGE_FUZZ_SLOW_MS (tests/fuzz/run.sh sets 100), so libFuzzer keeps
 * it as a crash-* input like any crash. libFuzzer's own -timeout counts
 * whole seconds only. The first unit is not held to it: it pays for the
 * libraries' one-time setup (json-c, libgcrypt, the private directory).
 * At exit it prints stat::slowest_unit_ms for run.sh's summary. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int __real_LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int __wrap_LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static double slowest_ms;
static unsigned long units;

static double cpu_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void report(void)
{
	fprintf(stderr, "stat::slowest_unit_ms: %.1f\n", slowest_ms);
}

int __wrap_LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static double limit = -1;
	if (limit < 0) {
		const char *e = getenv("UNICAGE_FUZZ_SLOW_MS");
		limit = e ? atof(e) : 0;
		atexit(report);
	}
	double a = cpu_ms();
	int r = __real_LLVMFuzzerTestOneInput(data, size);
	double ms = cpu_ms() - a;
	if (units++ == 0)
		return r;
	if (ms > slowest_ms)
		slowest_ms = ms;
	if (limit > 0 && ms > limit) {
		fprintf(stderr, "==slow unit: %.1f ms of CPU, the limit is %.0f ms (%zu bytes)\n",
			ms, limit, size);
		abort();
	}
	return r;
}
