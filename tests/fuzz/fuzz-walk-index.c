/*
 * fuzz-walk-index.c — the entries of an index as prune reads them from a
 * registry (repo-walk.c): every entry's digest, and whether the body is
 * the placeholder of a tag; and an artifact's subject (walk_subject).
 * Input: the tag on the first line, the body after it.
 */
#include "fuzz.h"
#include "repo-walk.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char *part[2], *s = fuzz_split(data, len, part, 2), **v = NULL;
	size_t blen = len - (size_t)(part[1] - s), n, i;
	int ph = -1;
	char *subject;

	if (part[1] > s + len)
		blen = 0;
	subject = walk_subject(part[1], blen);
	if (subject != NULL && (strlen(subject) > 255 ||
	    strncmp(subject, "sha256:", 7) != 0))
		abort();
	free(subject);
	n = walk_index_entries(part[1], blen, part[0], &v, &ph);
	if (n > 1024 || (ph != 0 && ph != 1) || (ph && n != 0))
		abort();
	for (i = 0; i < n; i++) {
		if (v[i] == NULL || strlen(v[i]) > 255)
			abort();
		free(v[i]);
	}
	free(v);
	free(s);
	return 0;
}
