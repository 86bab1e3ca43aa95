/*
 * tap.h — a minimal TAP producer for the C unit tests. Each ok() is one
 * counted test in the suite's summary.
 */
#ifndef MT_TAP_H
#define MT_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count;
static int tap_failed;

/* Report one result; returns cond so callers can chain diagnostics. */
static int __attribute__((format(printf, 4, 5), unused))
tap_ok(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return cond;
}

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(got, want, ...) do {					\
	const char *g_ = (got), *w_ = (want);				\
	if (!tap_ok((g_ == NULL && w_ == NULL) ||			\
	    (g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0),		\
	    __FILE__, __LINE__, __VA_ARGS__))				\
		printf("#   got \"%s\", want \"%s\"\n", g_ ? g_ : "(null)",	\
		    w_ ? w_ : "(null)");					\
} while (0)
#define is_int(got, want, ...) do {					\
	long long g_ = (got), w_ = (want);				\
	if (!tap_ok(g_ == w_, __FILE__, __LINE__, __VA_ARGS__))		\
		printf("#   got %lld, want %lld\n", g_, w_);		\
} while (0)

/* Print the plan and return the exit status for main(). */
static int __attribute__((unused))
tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
