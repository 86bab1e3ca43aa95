/*
 * fuzz-version.c — the version schemes (semver, loose, calver,
 * regex-order keys from captured groups) on upstream spellings: parsing,
 * an order that is antisymmetric, pre-release flags. Input: two
 * spellings, one per line; the second line also gives regex-order groups
 * split at '.'.
 */
#include "fuzz.h"
#include "version.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct version_key a, b;
	char *part[2], *s = fuzz_split(data, len, part, 2);
	const char *groups[VERSION_MAX_PARTS];
	size_t lens[VERSION_MAX_PARTS], n = 0;
	const char *p, *dot;
	int scheme, ra, rb, c1, c2;

	for (scheme = VERSIONING_SEMVER; scheme <= VERSIONING_REGEX_ORDER;
	    scheme++) {
		ra = version_parse(scheme, part[0], &a);
		rb = version_parse(scheme, part[1], &b);
		if (ra == 0 && rb == 0) {
			c1 = version_compare(&a, &b);
			c2 = version_compare(&b, &a);
			if ((c1 < 0 && c2 <= 0) || (c1 > 0 && c2 >= 0) ||
			    (c1 == 0 && c2 != 0))
				abort();
		}
		if (ra == 0) {
			if (!version_spelling_valid(part[0]))
				abort();	/* accepted means spellable */
			(void)version_is_prerelease(&a);
			version_key_free(&a);
		}
		if (rb == 0)
			version_key_free(&b);
		(void)version_compare_str(scheme, part[0], part[1]);
	}
	for (p = part[1]; n < VERSION_MAX_PARTS; p = dot + 1) {
		dot = strchr(p, '.');
		groups[n] = p;
		lens[n] = dot != NULL ? (size_t)(dot - p) : strlen(p);
		n++;
		if (dot == NULL)
			break;
	}
	if (version_key_from_groups(groups, lens, n, part[0],
	    strlen(part[0]), &a) == 0)
		version_key_free(&a);
	free(s);
	return 0;
}
