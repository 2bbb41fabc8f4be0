/*
 * libmail fuzz harnesses: shared declarations and the invariant check.
 *
 * Every fuzz/fuzz_<name>.c defines LLVMFuzzerTestOneInput(). It is
 * linked either with libFuzzer (clang -fsanitize=fuzzer, `make fuzz`)
 * or with fuzz/driver.c, a plain main() that replays files (`make
 * fuzz-replay`, AFL++). A broken invariant prints what broke and aborts,
 * so both libFuzzer and AFL++ record the input as a crash.
 */
#ifndef LIBMAIL_FUZZ_H
#define LIBMAIL_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant of the code under test: print it and abort on failure. */
#define FZ_CHECK(cond, what)                                                \
	do {                                                                    \
		if (!(cond)) {                                                      \
			fprintf(stderr, "INVARIANT %s:%d: %s (%s)\n", __FILE__,       \
			        __LINE__, (what), #cond);                               \
			abort();                                                        \
		}                                                                   \
	} while (0)

/* SCRAM iteration counts the harnesses accept. */
#define FZ_ITER_MAX 4096

/* 1 when the input holds a SCRAM iteration count "i=N" above
 * FZ_ITER_MAX (such inputs only burn time in PBKDF2: skip them). */
static inline int
fz_too_many_iterations(const uint8_t *p, size_t n)
{
	size_t i, j;
	unsigned long v;

	for (i = 0; i + 2 < n; i++) {
		if (p[i] != 'i' || p[i + 1] != '=')
			continue;
		for (j = i + 2, v = 0; j < n && p[j] >= '0' && p[j] <= '9'; j++) {
			v = v * 10 + (unsigned long)(p[j] - '0');
			if (v > FZ_ITER_MAX)
				return 1;
		}
	}
	return 0;
}

#endif
