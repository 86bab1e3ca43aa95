/* test-supply-chain.c — artifact tags, media and predicate types, the
 * manifests and indexes cosign, buildx and OCI 1.1 clients write. */
#include <stdlib.h>
#include <string.h>

#include "supply-chain.h"
#include "tap.h"
#include "util.h"

#define HEX "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define DIG "sha256:" HEX
#define DIG2 "sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static void
test_tags(void)
{
	char subject[72];
	const char *suffix = NULL;

	ok(sc_artifact_tag("sha256-" HEX ".sig", subject, &suffix),
	    "cosign signature tag");
	is_str(subject, DIG, "its subject");
	is_str(suffix, ".sig", "its suffix");
	ok(sc_artifact_tag("sha256-" HEX ".att", NULL, NULL), ".att");
	ok(sc_artifact_tag("sha256-" HEX ".sbom", NULL, NULL), ".sbom");
	ok(sc_artifact_tag("sha256-" HEX, NULL, &suffix) && *suffix == '\0',
	    "the OCI fallback tag");
	ok(!sc_artifact_tag("sha256-" HEX ".foo", NULL, NULL),
	    "another suffix is not ours");
	ok(!sc_artifact_tag("sha256-0123", NULL, NULL), "short hex");
	ok(!sc_artifact_tag("sha256-" "0123456789ABCDEF0123456789abcdef"
	    "0123456789abcdef0123456789abcdef", NULL, NULL),
	    "upper-case hex is not a digest tag");
	ok(!sc_artifact_tag("1.2.3", NULL, NULL), "a version");
	ok(!sc_artifact_tag("latest", NULL, NULL), "latest");
}

static void
test_classify(void)
{
	is_int(sc_classify("application/vnd.dev.cosign.simplesigning.v1+json",
	    NULL), SC_BIT(SC_SIGNATURE), "simplesigning");
	is_int(sc_classify("application/vnd.dev.sigstore.bundle.v0.3+json",
	    NULL), SC_BIT(SC_SIGNATURE), "sigstore bundle");
	is_int(sc_classify("application/vnd.dev.sigstore.bundle.v0.3+json",
	    "https://slsa.dev/provenance/v1"), SC_BIT(SC_PROVENANCE),
	    "DSSE bundle with a SLSA predicate");
	is_int(sc_classify("application/vnd.in-toto+json",
	    "https://spdx.dev/Document"), SC_BIT(SC_SBOM), "in-toto SPDX");
	is_int(sc_classify("application/vnd.in-toto+json",
	    "https://cyclonedx.org/bom/v1.5"), SC_BIT(SC_SBOM),
	    "in-toto CycloneDX");
	is_int(sc_classify("application/vnd.dsse.envelope.v1+json",
	    "https://slsa.dev/provenance/v0.2"), SC_BIT(SC_PROVENANCE),
	    "cosign DSSE SLSA");
	is_int(sc_classify("application/vnd.dsse.envelope.v1+json",
	    "https://cosign.sigstore.dev/attestation/vuln/v1"), 0,
	    "a vulnerability scan is neither");
	is_int(sc_classify("application/vnd.in-toto+json", NULL), 0,
	    "in-toto without a predicate says nothing");
	is_int(sc_classify("text/spdx+json", NULL), SC_BIT(SC_SBOM),
	    "text/spdx+json");
	is_int(sc_classify("application/vnd.cyclonedx+xml", NULL),
	    SC_BIT(SC_SBOM), "cyclonedx");
	is_int(sc_classify("application/vnd.cncf.notary.signature", NULL),
	    SC_BIT(SC_SIGNATURE), "notation");
	is_int(sc_classify("application/vnd.oci.image.config.v1+json", NULL),
	    0, "an image config");
	is_int(sc_classify(NULL, NULL), 0, "nothing");
}

static void
test_manifests(void)
{
	const char *att =
	    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image."
	    "manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd."
	    "oci.image.config.v1+json\",\"size\":2,\"digest\":\"" DIG "\"},"
	    "\"layers\":[{\"mediaType\":\"application/vnd.dsse.envelope.v1+"
	    "json\",\"size\":5,\"digest\":\"" DIG "\",\"annotations\":{"
	    "\"predicateType\":\"https://spdx.dev/Document\"}},{\"mediaType\":"
	    "\"application/vnd.dsse.envelope.v1+json\",\"size\":5,\"digest\":"
	    "\"" DIG "\",\"annotations\":{\"predicateType\":"
	    "\"https://slsa.dev/provenance/v1\"}}]}";
	const char *buildx =
	    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image."
	    "manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd."
	    "docker.attestation.config.v1+json\",\"size\":2,\"digest\":\""
	    DIG "\"},\"layers\":[{\"mediaType\":\"application/vnd.in-toto+"
	    "json\",\"size\":5,\"digest\":\"" DIG "\",\"annotations\":{"
	    "\"in-toto.io/predicate-type\":\"https://slsa.dev/provenance/"
	    "v0.2\"}}]}";
	const char *bundle =
	    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image."
	    "manifest.v1+json\",\"artifactType\":\"application/vnd.dev."
	    "sigstore.bundle.v0.3+json\",\"config\":{\"mediaType\":"
	    "\"application/vnd.oci.empty.v1+json\",\"size\":2,\"digest\":\""
	    DIG "\"},\"layers\":[{\"mediaType\":\"application/vnd.dev."
	    "sigstore.bundle.v0.3+json\",\"size\":9,\"digest\":\"" DIG "\"}],"
	    "\"subject\":{\"mediaType\":\"application/vnd.oci.image.index.v1"
	    "+json\",\"digest\":\"" DIG2 "\",\"size\":9},\"annotations\":{"
	    "\"dev.sigstore.bundle.content\":\"dsse-envelope\","
	    "\"dev.sigstore.bundle.predicateType\":\"https://slsa.dev/"
	    "provenance/v1\"}}";

	is_int(sc_manifest_kinds(att, strlen(att)), SC_BIT(SC_SBOM) |
	    SC_BIT(SC_PROVENANCE), "cosign .att with two attestations");
	is_int(sc_manifest_kinds(buildx, strlen(buildx)),
	    SC_BIT(SC_PROVENANCE), "buildx attestation manifest");
	is_int(sc_manifest_kinds(bundle, strlen(bundle)),
	    SC_BIT(SC_PROVENANCE), "DSSE bundle: the manifest's predicate");
	is_int(sc_manifest_kinds("[]", 2), -1, "not an object");
	is_int(sc_manifest_kinds("{\"a\":1}", 7), -1, "not a manifest");
	is_int(sc_manifest_kinds("{\"layers\":[1,{},{\"mediaType\":7}]}", 33),
	    0, "odd layers are skipped");
	is_int(sc_manifest_kinds("{\"layers\"", 9), -1, "truncated");
}

static void
test_indexes(void)
{
	const char *idx =
	    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image."
	    "index.v1+json\",\"manifests\":[{\"mediaType\":\"application/vnd."
	    "oci.image.manifest.v1+json\",\"digest\":\"" DIG "\",\"size\":1,"
	    "\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}},{"
	    "\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	    "\"digest\":\"" DIG2 "\",\"size\":1,\"annotations\":{"
	    "\"vnd.docker.reference.digest\":\"" DIG "\","
	    "\"vnd.docker.reference.type\":\"attestation-manifest\"},"
	    "\"platform\":{\"architecture\":\"unknown\",\"os\":\"unknown\"}}]}";
	const char *refs =
	    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image."
	    "index.v1+json\",\"manifests\":[{\"mediaType\":\"application/vnd."
	    "oci.image.manifest.v1+json\",\"digest\":\"" DIG "\",\"size\":1,"
	    "\"artifactType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\""
	    ",\"annotations\":{\"dev.sigstore.bundle.content\":"
	    "\"message-signature\"}},{\"mediaType\":\"application/vnd.oci."
	    "image.manifest.v1+json\",\"digest\":\"" DIG2 "\",\"size\":1,"
	    "\"artifactType\":\"application/vnd.in-toto+json\"},{\"digest\":"
	    "\"sha256:nothex\",\"artifactType\":\"text/spdx\"}]}";
	struct sc_entry *e;
	size_t n;

	ok(sc_parse_index(idx, strlen(idx), 1, &e, &n) == 0 && n == 1,
	    "one attestation manifest in the index");
	if (n == 1) {
		is_str(e[0].digest, DIG2, "its digest");
		is_str(e[0].subject, DIG, "the child it refers to");
	}
	sc_entries_free(e, n);
	ok(sc_parse_index(refs, strlen(refs), 0, &e, &n) == 0 && n == 2,
	    "referrers: a bad digest is dropped");
	if (n == 2) {
		is_int(e[0].kinds, SC_BIT(SC_SIGNATURE), "a bundle signature");
		ok(e[1].kinds == 0 && e[1].ask, "in-toto without a "
		    "predicate: the manifest is asked");
	}
	sc_entries_free(e, n);
	ok(sc_parse_index("{\"manifests\":{}}", 16, 0, &e, &n) == -1,
	    "manifests not a list");
	ok(sc_parse_index("{}", 2, 0, &e, &n) == 0 && n == 0 && e == NULL,
	    "an empty index");
	ok(sc_parse_index("null", 4, 0, &e, &n) == -1, "not an object");
}

static void
test_supply(void)
{
	struct mt_supply s, t;

	memset(&s, 0, sizeof s);
	sc_supply_set_all(&s, SC_MISSING);
	s.found = xcalloc(1, sizeof *s.found);
	s.found[0].kind = SC_SIGNATURE;
	s.found[0].via = SC_VIA_COSIGN_TAG;
	s.found[0].ref = xstrdup("r/a:sha256-" HEX ".sig");
	s.found[0].subject = xstrdup(DIG);
	s.found[0].tag = xstrdup("sha256-" HEX ".sig");
	s.nfound = 1;
	s.state[SC_SIGNATURE] = SC_PRESENT;
	sc_supply_copy(&t, &s);
	sc_supply_clear(&s);
	ok(sc_supply_find(&t, "sha256-" HEX ".sig") != NULL,
	    "the copy names the tag it found");
	ok(sc_supply_find(&t, DIG2) == NULL, "and nothing else");
	is_str(sc_state_name(t.state[SC_SIGNATURE]), "present", "state");
	is_str(sc_state_name(t.state[SC_SBOM]), "missing", "state");
	is_str(sc_via_name(t.found[0].via), "cosign-tag", "via");
	sc_supply_clear(&t);
	is_str(sc_state_name(t.state[SC_SBOM]), "unknown", "cleared");
}

int
main(void)
{
	test_tags();
	test_classify();
	test_manifests();
	test_indexes();
	test_supply();
	return tap_done();
}
