/*
 * fuzz-supply-chain.c — what discovery reads from a registry: artifact
 * tags from the tag list, media and predicate types, artifact manifests
 * (cosign .sig/.att/.sbom, buildx attestation manifests, OCI 1.1
 * referrers) and indexes (referrers answers, fallback tags, an image
 * index's attestation entries). Input: a tag or media type on the first
 * line, a manifest or index body after it.
 */
#include "fuzz.h"
#include "supply-chain.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char *part[2], *s = fuzz_split(data, len, part, 2), subject[72];
	const char *suffix = NULL;
	struct sc_entry *e;
	size_t blen = len - (size_t)(part[1] - s), n, i;
	int kinds, att;

	if (part[1] > s + len)
		blen = 0;
	if (sc_artifact_tag(part[0], subject, &suffix) &&
	    (strlen(subject) != 71 || suffix == NULL))
		abort();
	if ((sc_classify(part[0], part[0]) & ~SC_ALL) != 0)
		abort();
	kinds = sc_manifest_kinds(part[1], blen);
	if (kinds < -1 || (kinds > 0 && ((unsigned)kinds & ~SC_ALL) != 0))
		abort();
	for (att = 0; att < 2; att++) {
		if (sc_parse_index(part[1], blen, att, &e, &n) != 0) {
			if (e != NULL || n != 0)
				abort();
			continue;
		}
		for (i = 0; i < n; i++) {
			if (e[i].digest == NULL || strlen(e[i].digest) != 71 ||
			    (e[i].kinds & ~SC_ALL) != 0 ||
			    (att && e[i].subject == NULL))
				abort();
		}
		sc_entries_free(e, n);
	}
	free(s);
	return 0;
}
