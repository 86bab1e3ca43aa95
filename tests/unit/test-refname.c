/* test-refname.c — tag names checked with git-check-ref-format rules. */
#include <stdlib.h>
#include <string.h>

#include "refname.h"
#include "tap.h"
#include "util.h"

/* One row per name: whether refs/tags/<name> is a valid ref. */
static const struct {
	const char	*name;
	int		 valid;
} cases[] = {
	{ "v1.2.3", 1 },
	{ "1.2.3", 1 },
	{ "v11.0.4-limitless", 1 },
	{ "v1.0.0-rc.1+build.5", 1 },
	{ "release/1.0", 1 },
	{ "a/b/c", 1 },
	{ "foo@bar", 1 },
	{ "@@", 1 },
	{ "a@", 1 },
	{ "{}", 1 },
	{ "a.b", 1 },
	{ "x.lockx", 1 },
	{ "lock", 1 },
	{ "a_b-c,d=e%f#g!h'i\"j", 1 },
	{ "caf\xc3\xa9", 1 },			/* UTF-8 is allowed by git */
	{ "", 0 },
	{ "@", 0 },
	{ "a b", 0 },
	{ "v1.2.3 ", 0 },
	{ "a\tb", 0 },
	{ "a\nb", 0 },
	{ "a\x01", 0 },
	{ "a\x1f", 0 },
	{ "a\x7f", 0 },
	{ "v1\x1b[31mred", 0 },			/* CSI escape */
	{ "\x1b]0;title\x07", 0 },		/* OSC escape */
	{ "\x1b" "c", 0 },			/* terminal reset */
	{ "a..b", 0 },
	{ "..", 0 },
	{ ".", 0 },
	{ "a@{b", 0 },
	{ "@{", 0 },
	{ "a.", 0 },
	{ "v1.0.", 0 },
	{ "a/", 0 },
	{ "/a", 0 },
	{ "/", 0 },
	{ "a//b", 0 },
	{ ".a", 0 },
	{ "a/.b", 0 },
	{ "a/.", 0 },
	{ "a.lock", 0 },
	{ ".lock", 0 },
	{ "a/b.lock/c", 0 },
	{ "a~1", 0 },
	{ "a^", 0 },
	{ "a:b", 0 },
	{ "a?", 0 },
	{ "a*", 0 },
	{ "a[0]", 0 },
	{ "a\\b", 0 },
};

/* Run every table row as TAP tests. */
int
main(void)
{
	size_t i;
	char *s;

	for (i = 0; i < MT_ARRAY_LEN(cases); i++) {
		char *shown = str_sanitize(cases[i].name, 0);

		is_int(refname_valid(cases[i].name), cases[i].valid,
		    "%s: \"%s\"", cases[i].valid ? "valid" : "invalid", shown);
		free(shown);
	}
	ok(!refname_valid(NULL), "invalid: NULL");

	s = malloc(REFNAME_MAX_LEN + 2);
	memset(s, 'a', REFNAME_MAX_LEN + 1);
	s[REFNAME_MAX_LEN] = '\0';
	ok(refname_valid(s), "valid: %d bytes", REFNAME_MAX_LEN);
	s[REFNAME_MAX_LEN] = 'a';
	s[REFNAME_MAX_LEN + 1] = '\0';
	ok(!refname_valid(s), "invalid: %d bytes", REFNAME_MAX_LEN + 1);
	free(s);

	return tap_done();
}
