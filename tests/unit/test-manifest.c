/* test-manifest.c — manifest and index parsing, platform normalization. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"
#include "util.h"
#include "tap.h"

/* A string literal and its length. */
#define LIT(s) s, sizeof(s) - 1

#define D1 "sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f"
#define D2 "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270"
#define D3 "sha256:02cb9aa7600e73fcf41ee9f0f19cc03122b2d8be43d41ce4b21335118f5dd943"
#define D4 "sha256:23678f31b3b3586c4fb318aecfe64a96a1f0916ba8faf9b2be2abee63fa9e827"

static const char oci_index[] =
    "{\"mediaType\":\"" MT_MEDIA_OCI_INDEX "\",\"schemaVersion\":2,"
    "\"manifests\":["
    "{\"mediaType\":\"" MT_MEDIA_OCI_MANIFEST "\",\"digest\":\"" D4 "\","
    "\"size\":1234,\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}},"
    "{\"mediaType\":\"" MT_MEDIA_OCI_MANIFEST "\",\"digest\":\"" D1 "\","
    "\"size\":99,\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\","
    "\"variant\":\"v8\"}},"
    "{\"mediaType\":\"" MT_MEDIA_OCI_MANIFEST "\",\"digest\":\"" D3 "\","
    "\"size\":1234,\"annotations\":{\"vnd.docker.reference.digest\":\"" D4
    "\",\"vnd.docker.reference.type\":\"attestation-manifest\"},"
    "\"platform\":{\"architecture\":\"unknown\",\"os\":\"unknown\"}},"
    "{\"mediaType\":\"" MT_MEDIA_OCI_MANIFEST "\",\"digest\":\"" D2 "\","
    "\"size\":5,\"annotations\":{\"vnd.docker.reference.type\":\"x\"},"
    "\"platform\":{\"architecture\":\"s390x\",\"os\":\"linux\"}},"
    "{\"mediaType\":\"" MT_MEDIA_OCI_INDEX "\",\"digest\":\"" D2 "\","
    "\"size\":5},"
    "{\"mediaType\":\"" MT_MEDIA_OCI_MANIFEST "\",\"digest\":\"sha256:x\","
    "\"platform\":{\"architecture\":\"ppc64le\",\"os\":\"linux\"}},"
    "{\"mediaType\":\"" MT_MEDIA_OCI_MANIFEST "\",\"digest\":\"" D2 "\","
    "\"platform\":{\"architecture\":\"amd64\\u001b[31m\",\"os\":\"linux\"}},"
    "\"junk\"],"
    "\"annotations\":{\"com.example.key1\":\"value1\"}}";

static const char docker_list[] =
    "{\"schemaVersion\":2,\"mediaType\":\"" MT_MEDIA_DOCKER_LIST "\","
    "\"manifests\":["
    "{\"mediaType\":\"" MT_MEDIA_DOCKER_MANIFEST "\",\"digest\":\"" D1 "\","
    "\"size\":7143,\"platform\":{\"architecture\":\"ppc64le\","
    "\"os\":\"linux\"}},"
    "{\"mediaType\":\"" MT_MEDIA_DOCKER_MANIFEST "\",\"digest\":\"" D2 "\","
    "\"size\":7682,\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\","
    "\"variant\":\"v7\"}}]}";

static const char oci_manifest[] =
    "{\"schemaVersion\":2,\"mediaType\":\"" MT_MEDIA_OCI_MANIFEST "\","
    "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
    "\"digest\":\"" D1 "\",\"size\":7023},\"layers\":[{\"mediaType\":"
    "\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" D2 "\","
    "\"size\":32654}]}";

static const char docker_manifest[] =
    "{\"schemaVersion\":2,\"mediaType\":\"" MT_MEDIA_DOCKER_MANIFEST "\","
    "\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1"
    "+json\",\"digest\":\"" D3 "\",\"size\":7023},\"layers\":[]}";

static const char schema1[] =
    "{\"schemaVersion\":1,\"name\":\"ns/app\",\"tag\":\"1.0\","
    "\"architecture\":\"amd64\",\"fsLayers\":[],\"history\":[]}";

/* Parse with a content type; returns rc and fills m / cause. */
static int
parse(const char *body, const char *ct, struct registry_manifest *m,
    char **cause)
{
	return registry_parse_manifest(body, strlen(body), ct, m, cause);
}

/* Expect a parse failure whose cause contains want. */
static void
parse_fails(const char *body, size_t len, const char *ct, const char *want,
    const char *what)
{
	struct registry_manifest m;
	char *cause = NULL;
	int rc;

	rc = registry_parse_manifest(body, len, ct, &m, &cause);
	is_int(rc, -1, "%s: rejected", what);
	ok(cause != NULL && strstr(cause, want) != NULL,
	    "%s: cause \"%s\" has \"%s\"", what, cause ? cause : "(null)", want);
	ok(m.body == NULL && m.platforms == NULL && m.digest == NULL,
	    "%s: nothing left allocated", what);
	free(cause);
}

/* The OCI index: runnable entries only, arm64/v8 normalized. */
static void
test_oci_index(void)
{
	struct registry_manifest m;
	char *cause = NULL, digest[80];

	is_int(parse(oci_index, MT_MEDIA_OCI_INDEX "; charset=utf-8", &m,
	    &cause), 0, "oci index parses");
	is_str(cause, NULL, "oci index: no cause");
	ok(m.is_index, "oci index: is_index");
	is_str(m.media_type, MT_MEDIA_OCI_INDEX, "oci index: media type");
	sha256_digest(oci_index, strlen(oci_index), digest, sizeof digest);
	is_str(m.digest, digest, "oci index: digest is sha256 of the body");
	is_int(m.len, strlen(oci_index), "oci index: length");
	ok(m.body != NULL && memcmp(m.body, oci_index, m.len) == 0,
	    "oci index: exact bytes kept");
	is_int(m.nplatforms, 2, "oci index: attestations, artifacts, nested "
	    "indexes, bad digests and bad names skipped");
	if (m.nplatforms == 2) {
		is_str(m.platforms[0].os, "linux", "entry 0 os");
		is_str(m.platforms[0].architecture, "amd64", "entry 0 arch");
		is_str(m.platforms[0].variant, NULL, "entry 0 variant");
		is_str(m.platforms[0].digest, D4, "entry 0 digest");
		is_str(m.platforms[0].media_type, MT_MEDIA_OCI_MANIFEST,
		    "entry 0 media type");
		is_int(m.platforms[0].size, 1234, "entry 0 size");
		is_str(m.platforms[1].architecture, "arm64",
		    "arm64/v8 -> arm64");
		is_str(m.platforms[1].variant, NULL, "arm64/v8 -> no variant");
		is_str(m.platforms[1].digest, D1, "entry 1 digest");
	}
	is_str(m.config_digest, NULL, "oci index: no config digest");
	registry_manifest_clear(&m);
	ok(m.body == NULL && m.nplatforms == 0, "clear zeroes");
	registry_manifest_clear(&m);	/* twice is fine */
}

/* The Docker list keeps arm/v7 as arm + v7. */
static void
test_docker_list(void)
{
	struct registry_manifest m;
	char *cause = NULL;

	is_int(parse(docker_list, MT_MEDIA_DOCKER_LIST, &m, &cause), 0,
	    "docker list parses");
	ok(m.is_index, "docker list: is_index");
	is_int(m.nplatforms, 2, "docker list: two entries");
	if (m.nplatforms == 2) {
		is_str(m.platforms[0].architecture, "ppc64le",
		    "docker list: ppc64le");
		is_str(m.platforms[1].architecture, "arm", "arm/v7: arch arm");
		is_str(m.platforms[1].variant, "v7", "arm/v7: variant v7");
		is_int(m.platforms[1].size, 7682, "docker list: size");
	}
	registry_manifest_clear(&m);

	/* No Content-Type: the body's mediaType decides. */
	is_int(parse(docker_list, NULL, &m, &cause), 0,
	    "docker list without Content-Type");
	is_str(m.media_type, MT_MEDIA_DOCKER_LIST, "media type from body");
	registry_manifest_clear(&m);
	is_int(parse(docker_list, "application/json", &m, &cause), 0,
	    "docker list with a generic Content-Type");
	registry_manifest_clear(&m);
}

/* Single-image manifests give the config digest. */
static void
test_single(void)
{
	struct registry_manifest m;
	char *cause = NULL;

	is_int(parse(oci_manifest, MT_MEDIA_OCI_MANIFEST, &m, &cause), 0,
	    "oci manifest parses");
	ok(!m.is_index, "oci manifest: not an index");
	is_str(m.config_digest, D1, "oci manifest: config digest");
	is_int(m.nplatforms, 0, "oci manifest: no index entries");
	is_str(m.platform.architecture, NULL,
	    "oci manifest: platform unknown until the config is read");
	registry_manifest_clear(&m);

	is_int(parse(docker_manifest, MT_MEDIA_DOCKER_MANIFEST, &m, &cause),
	    0, "docker v2 manifest parses");
	is_str(m.config_digest, D3, "docker v2: config digest");
	is_str(m.media_type, MT_MEDIA_DOCKER_MANIFEST, "docker v2: type");
	registry_manifest_clear(&m);

	/* Neither Content-Type nor mediaType: the shape decides. */
	is_int(parse("{\"schemaVersion\":2,\"config\":{\"digest\":\"" D2
	    "\"},\"layers\":[]}", NULL, &m, &cause), 0,
	    "untyped manifest parses");
	is_str(m.media_type, MT_MEDIA_OCI_MANIFEST, "untyped -> oci manifest");
	registry_manifest_clear(&m);

	/* An index with no entries at all is still an index. */
	is_int(parse("{\"schemaVersion\":2,\"mediaType\":\"" MT_MEDIA_OCI_INDEX
	    "\",\"manifests\":[]}", MT_MEDIA_OCI_INDEX, &m, &cause), 0,
	    "empty index parses");
	ok(m.is_index && m.nplatforms == 0, "empty index: no platforms");
	registry_manifest_clear(&m);
}

/* Platform normalization table. */
static void
test_normalize(void)
{
	static const struct {
		const char *arch, *variant, *want_arch, *want_variant;
	} cases[] = {
		{ "arm64", "v8", "arm64", NULL },
		{ "arm64", "v8.2", "arm64", "v8.2" },
		{ "arm64", NULL, "arm64", NULL },
		{ "arm", "v7", "arm", "v7" },
		{ "arm", "v6", "arm", "v6" },
		{ "amd64", "", "amd64", NULL },
		{ "amd64", "v3", "amd64", "v3" },
		{ "aarch64", NULL, "arm64", NULL },
		{ "aarch64", "v8", "arm64", NULL },
		{ "x86_64", NULL, "amd64", NULL },
		{ "armhf", NULL, "arm", "v7" },
	};
	struct registry_platform p;
	size_t i;

	for (i = 0; i < MT_ARRAY_LEN(cases); i++) {
		memset(&p, 0, sizeof p);
		p.architecture = xstrdup(cases[i].arch);
		p.variant = xstrdup(cases[i].variant);
		registry_platform_normalize(&p);
		is_str(p.architecture, cases[i].want_arch, "normalize %s/%s: "
		    "arch", cases[i].arch, cases[i].variant ?
		    cases[i].variant : "-");
		is_str(p.variant, cases[i].want_variant, "normalize %s/%s: "
		    "variant", cases[i].arch, cases[i].variant ?
		    cases[i].variant : "-");
		free(p.architecture);
		free(p.variant);
	}
	memset(&p, 0, sizeof p);
	registry_platform_normalize(&p);
	ok(p.architecture == NULL, "normalize: no architecture stays NULL");
	registry_platform_normalize(NULL);
}

/* Bad input of every kind is rejected with a reason. */
static void
test_rejects(void)
{
	static const char trunc[] = "{\"schemaVersion\":2,\"mediaType\":\""
	    MT_MEDIA_OCI_INDEX "\",\"manifests\":[{\"digest\":";
	struct buf b;
	size_t i;

	parse_fails(schema1, strlen(schema1), NULL, "schema 1", "schema1 body");
	parse_fails(oci_manifest, strlen(oci_manifest),
	    "application/vnd.docker.distribution.manifest.v1+prettyjws",
	    "schema 1", "schema1 content type");
	parse_fails(oci_manifest, strlen(oci_manifest),
	    "application/vnd.example.thing+json", "unsupported manifest media "
	    "type application/vnd.example.thing+json", "unknown media type");
	parse_fails(oci_manifest, strlen(oci_manifest), MT_MEDIA_DOCKER_LIST,
	    "does not match", "mediaType differs from Content-Type");
	parse_fails(LIT("{\"schemaVersion\":2}"), NULL,
	    "unsupported manifest media type", "no type, no shape");
	parse_fails(trunc, strlen(trunc), MT_MEDIA_OCI_INDEX, "invalid "
	    "manifest JSON", "truncated JSON");
	parse_fails(LIT("\x1b[2J garbage"), MT_MEDIA_OCI_INDEX,
	    "invalid manifest JSON", "garbage");
	parse_fails(LIT("[1,2]"), MT_MEDIA_OCI_INDEX, "invalid manifest JSON",
	    "not an object");
	parse_fails("", 0, MT_MEDIA_OCI_INDEX, "empty", "empty body");
	parse_fails(LIT("{\"schemaVersion\":3,\"manifests\":[]}"), NULL,
	    "schemaVersion", "schemaVersion 3");
	parse_fails(LIT("{\"schemaVersion\":2,\"mediaType\":\"" MT_MEDIA_OCI_MANIFEST
	    "\",\"config\":{\"digest\":\"md5:abc\"}}"),
	    MT_MEDIA_OCI_MANIFEST, "config digest", "bad config digest");
	parse_fails(LIT("{\"schemaVersion\":2,\"mediaType\":\"" MT_MEDIA_OCI_INDEX
	    "\",\"manifests\":{}}"), MT_MEDIA_OCI_INDEX, "not a list",
	    "manifests not a list");

	/* A huge number of entries is bounded. */
	buf_init(&b, 0);
	buf_printf(&b, "{\"schemaVersion\":2,\"mediaType\":\"%s\","
	    "\"manifests\":[", MT_MEDIA_OCI_INDEX);
	for (i = 0; i < 5000; i++)
		buf_printf(&b, "%s{\"digest\":\"%s\",\"platform\":{\"os\":"
		    "\"linux\",\"architecture\":\"amd64\"}}", i ? "," : "", D1);
	buf_printf(&b, "]}");
	parse_fails(b.data, b.len, MT_MEDIA_OCI_INDEX, "too many entries",
	    "5000 index entries");
	buf_free(&b);

	/* Over 4 MiB is refused before parsing. */
	buf_init(&b, 0);
	buf_printf(&b, "{\"schemaVersion\":2,\"pad\":\"");
	while (b.len < 4 * 1024 * 1024 + 10)
		buf_append(&b, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 32);
	buf_printf(&b, "\"}");
	parse_fails(b.data, b.len, MT_MEDIA_OCI_MANIFEST, "too large",
	    "manifest over 4 MiB");
	buf_free(&b);
}

int
main(void)
{
	test_oci_index();
	test_docker_list();
	test_single();
	test_normalize();
	test_rejects();
	return tap_done();
}
