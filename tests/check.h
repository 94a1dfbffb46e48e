/*
 * Minimal assertion helpers for the C tests (unit, firmware, flash, usb):
 * print where a check failed and keep going, so that one run shows every
 * failure; main returns the failure count through CHECK_DONE().  A test
 * whose checks span several files (tests/usb) defines CHECK_EXTERN_FAILURES
 * before including this, and one of its files defines check_failures.
 */
#ifndef WIS_TEST_CHECK_H
#define WIS_TEST_CHECK_H

#include <stdio.h>

#ifdef CHECK_EXTERN_FAILURES
extern int check_failures;
#else
static int check_failures;
#endif
static int check_count;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		check_count++;                                                                     \
		if (!(cond)) {                                                                     \
			check_failures++;                                                          \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
		}                                                                                  \
	} while (0)

#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		long long a_ = (long long)(a), b_ = (long long)(b);                                \
		check_count++;                                                                     \
		if (a_ != b_) {                                                                    \
			check_failures++;                                                          \
			fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__,        \
			        __LINE__, #a, #b, a_, b_);                                         \
		}                                                                                  \
	} while (0)

#define CHECK_DONE()                                                                               \
	(printf("%d checks, %d failed\n", check_count, check_failures), check_failures != 0)

#endif
