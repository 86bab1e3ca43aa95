/*
 * fuzz-semver.c — SemVer parsing and precedence, and git ref-name rules,
 * on upstream tag names. Input: two tag names on two lines.
 */
#include "fuzz.h"
#include "refname.h"
#include "semver.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct semver a, b;
	char *part[2], *s = fuzz_split(data, len, part, 2);
	int ra, rb, c1, c2;

	ra = semver_parse(part[0], &a);
	rb = semver_parse(part[1], &b);
	if (ra == 0 && rb == 0) {
		c1 = semver_compare(&a, &b);
		c2 = semver_compare(&b, &a);
		/* Precedence is antisymmetric. */
		if ((c1 < 0 && c2 <= 0) || (c1 > 0 && c2 >= 0) ||
		    (c1 == 0 && c2 != 0))
			abort();
		(void)semver_is_prerelease(&a);
	}
	if (ra == 0)
		semver_free(&a);
	if (rb == 0)
		semver_free(&b);
	(void)semver_compare_str(part[0], part[1]);
	(void)refname_valid(part[0]);
	free(s);
	return 0;
}
