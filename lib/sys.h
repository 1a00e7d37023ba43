/* Process-wide resource helpers. */
#pragma once

/* Raise the soft limit of open files to the hard limit: the walkers and the
 * unify workers hold many directory and file fds at once. */
void uc_raise_fd_limit(void);

struct timespec;
/* CLOCK_MONOTONIC now, and the milliseconds since such a moment (the phase
 * timings of UNICAGE_DEBUG=export). */
void uc_clock_now(struct timespec *t);
long uc_ms_since(const struct timespec *t0);
/* CPU time of the process, all its threads (children not), in ms. */
long uc_cpu_ms(void);

/* Tests only (built with -DUNICAGE_TEST_HOOKS, the test build of make
 * check; doc/testing.md): when the environment variable `knob` names a
 * file, create it and wait (up to 30 s) until it is removed, so that a test
 * can change things exactly at that point (UNICAGE_TEST_EXPORT_PAUSE,
 * UNICAGE_TEST_IMPORT_PAUSE). In other builds it is nothing, and the
 * knob's name is not in the binary. */
#ifdef UNICAGE_TEST_HOOKS
void uc_test_pause(const char *knob);
#else
#define uc_test_pause(knob) ((void)0)
#endif
