/* test-auth.c — challenge parsing, base64 and credential lookup. */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "util.h"
#include "tap.h"

struct challenge_case {
	const char	*name;
	const char	*header;
	size_t		 n;
	/* first and (optionally) second challenge */
	const char	*scheme, *realm, *service, *scope, *error;
	const char	*scheme2, *realm2, *service2, *scope2;
};

static const struct challenge_case challenge_cases[] = {
	{ "docker hub",
	  "Bearer realm=\"https://auth.docker.io/token\",service=\"registry."
	  "docker.io\",scope=\"repository:samalba/my-app:pull,push\"", 1,
	  "Bearer", "https://auth.docker.io/token", "registry.docker.io",
	  "repository:samalba/my-app:pull,push", NULL,
	  NULL, NULL, NULL, NULL },
	{ "ghcr placeholder scope",
	  "Bearer realm=\"https://ghcr.io/token\",service=\"ghcr.io\","
	  "scope=\"repository:user/image:pull\"", 1,
	  "Bearer", "https://ghcr.io/token", "ghcr.io",
	  "repository:user/image:pull", NULL,
	  NULL, NULL, NULL, NULL },
	{ "basic and bearer",
	  "Basic realm=\"x\", Bearer realm=\"y\",service=\"z\"", 2,
	  "Basic", "x", NULL, NULL, NULL,
	  "Bearer", "y", "z", NULL },
	{ "escaped quotes",
	  "Basic realm=\"say \\\"hi\\\" \\\\ now\"", 1,
	  "Basic", "say \"hi\" \\ now", NULL, NULL, NULL,
	  NULL, NULL, NULL, NULL },
	{ "insufficient scope",
	  "Bearer realm=\"http://127.0.0.1:1/token\",service=\"reg\","
	  "scope=\"repository:ns/app:pull,push\",error=\"insufficient_scope\"",
	  1, "Bearer", "http://127.0.0.1:1/token", "reg",
	  "repository:ns/app:pull,push", "insufficient_scope",
	  NULL, NULL, NULL, NULL },
	{ "case and whitespace",
	  "  bEARER   REALM = \"r\" ,  Service=svc ,SCOPE=\"a:b:c,d\"  ", 1,
	  "bEARER", "r", "svc", "a:b:c,d", NULL,
	  NULL, NULL, NULL, NULL },
	{ "token values unquoted",
	  "Bearer realm=https://h/token,service=h", 1,
	  "Bearer", "https://h/token", "h", NULL, NULL,
	  NULL, NULL, NULL, NULL },
	{ "token68 then bearer",
	  "Negotiate YII+/abc==, Bearer realm=\"y\"", 2,
	  "Negotiate", NULL, NULL, NULL, NULL,
	  "Bearer", "y", NULL, NULL },
	{ "bare schemes",
	  "Negotiate, Basic realm=\"b\"", 2,
	  "Negotiate", NULL, NULL, NULL, NULL,
	  "Basic", "b", NULL, NULL },
	{ "unterminated quote",
	  "Bearer realm=\"https://x", 1,
	  "Bearer", "https://x", NULL, NULL, NULL,
	  NULL, NULL, NULL, NULL },
	{ "garbage", "=== ,,, \"\" ;;", 0,
	  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
	{ "empty", "", 0,
	  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
};

/* Run the challenge table. */
static void
test_challenges(void)
{
	struct auth_challenge c[4];
	size_t i, j, n;

	for (i = 0; i < MT_ARRAY_LEN(challenge_cases); i++) {
		const struct challenge_case *t = &challenge_cases[i];

		n = auth_parse_challenges(t->header, c, MT_ARRAY_LEN(c));
		is_int(n, t->n, "challenge %s: count", t->name);
		if (n >= 1 && t->n >= 1) {
			is_str(c[0].scheme, t->scheme, "%s: scheme", t->name);
			is_str(c[0].realm, t->realm, "%s: realm", t->name);
			is_str(c[0].service, t->service, "%s: service",
			    t->name);
			is_str(c[0].scope, t->scope, "%s: scope", t->name);
			is_str(c[0].error, t->error, "%s: error", t->name);
		}
		if (n >= 2 && t->n >= 2) {
			is_str(c[1].scheme, t->scheme2, "%s: scheme 2",
			    t->name);
			is_str(c[1].realm, t->realm2, "%s: realm 2", t->name);
			is_str(c[1].service, t->service2, "%s: service 2",
			    t->name);
			is_str(c[1].scope, t->scope2, "%s: scope 2", t->name);
		}
		for (j = 0; j < n; j++)
			auth_challenge_free(&c[j]);
	}

	/* max bounds the output. */
	n = auth_parse_challenges("Basic realm=a, Bearer realm=b", c, 1);
	is_int(n, 1, "max 1 challenge");
	is_str(c[0].realm, "a", "max 1: first kept");
	auth_challenge_free(&c[0]);
	is_int(auth_parse_challenges(NULL, c, 4), 0, "NULL header");
}

/* base64 both ways. */
static void
test_base64(void)
{
	static const struct {
		const char *plain, *enc;
	} cases[] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" },
		{ "foo", "Zm9v" }, { "foob", "Zm9vYg==" },
		{ "user:pass", "dXNlcjpwYXNz" },
		{ "myuser:ghp_xxxx", "bXl1c2VyOmdocF94eHh4" },
	};
	static const char *const bad[] = {
		"Zg=", "Zg", "Z===", "Zm9v!", "=Zm9", "Zg==Zg==", "Zm 9",
	};
	size_t i, len;
	char *s;

	for (i = 0; i < MT_ARRAY_LEN(cases); i++) {
		s = auth_base64(cases[i].plain, strlen(cases[i].plain));
		is_str(s, cases[i].enc, "base64 \"%s\"", cases[i].plain);
		free(s);
		s = auth_base64_decode(cases[i].enc, &len);
		is_str(s, cases[i].plain, "unbase64 \"%s\"", cases[i].enc);
		is_int(len, strlen(cases[i].plain), "unbase64 length");
		free(s);
	}
	for (i = 0; i < MT_ARRAY_LEN(bad); i++) {
		s = auth_base64_decode(bad[i], NULL);
		ok(s == NULL, "bad base64 \"%s\" rejected", bad[i]);
		free(s);
	}
}

static char tmpdir[256];

/* Write a file under the temp dir. */
static void
put(const char *rel, const char *text, int mode)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
	f = fopen(path, "w");
	if (f == NULL) {
		perror(path);
		exit(99);
	}
	fputs(text, f);
	fclose(f);
	chmod(path, (mode_t)mode);
}

/* Write config.json with the given JSON text. */
static void
config(const char *json)
{
	put("docker/config.json", json, 0600);
}

/* One lookup: expected rc, username, secret; cause must not leak secret. */
static void
check(const char *host, int want_rc, const char *user, const char *secret,
    const char *cause_has, const char *what)
{
	struct auth_cred cred;
	char *cause = NULL;
	int rc;

	rc = auth_lookup(host, &cred, &cause);
	is_int(rc, want_rc, "%s: rc", what);
	if (want_rc == 1) {
		is_str(cred.username, user, "%s: username", what);
		is_str(cred.secret, secret, "%s: secret", what);
	}
	if (want_rc == -1) {
		ok(cause != NULL && strstr(cause, cause_has) != NULL,
		    "%s: cause \"%s\" has \"%s\"", what, cause ? cause : "",
		    cause_has);
		ok(cause == NULL || (strstr(cause, "s3cret") == NULL &&
		    strstr(cause, "czNjcmV0") == NULL),
		    "%s: cause has no secret", what);
	}
	if (rc != -1)
		ok(cause == NULL, "%s: no cause", what);
	free(cause);
	auth_cred_clear(&cred);
}

/* A fake credential helper: answers by host. */
static const char helper_script[] =
    "#!/bin/sh\n"
    "[ \"$1\" = get ] || exit 2\n"
    "read -r host\n"
    "case \"$host\" in\n"
    "helper.example) echo '{\"ServerURL\":\"helper.example\","
    "\"Username\":\"hu\",\"Secret\":\"hs\"}' ;;\n"
    "https://index.docker.io/v1/) echo '{\"Username\":\"hub\","
    "\"Secret\":\"hubs\"}' ;;\n"
    "store.example) echo '{\"Username\":\"su\",\"Secret\":\"ss\"}' ;;\n"
    "garbage.example) echo 'not json s3cret' ;;\n"
    "fail.example) echo 'boom: keychain locked'; exit 3 ;;\n"
    "slow.example) sleep 30 ;;\n"
    "*) echo 'credentials not found in native keychain'; exit 1 ;;\n"
    "esac\n";

/* Credential lookup with temp config dirs and a fake helper on PATH. */
static void
test_lookup(void)
{
	char path[512], *oldpath;
	const char *p;

	snprintf(tmpdir, sizeof tmpdir, "%s/mt-auth-XXXXXX",
	    (p = getenv("TMPDIR")) != NULL ? p : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		exit(99);
	}
	snprintf(path, sizeof path, "%s/docker", tmpdir);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/bin", tmpdir);
	mkdir(path, 0700);
	put("bin/docker-credential-test", helper_script, 0755);
	oldpath = xstrdup(getenv("PATH"));
	snprintf(path, sizeof path, "%s/bin:%s", tmpdir,
	    oldpath ? oldpath : "/usr/bin:/bin");
	setenv("PATH", path, 1);
	snprintf(path, sizeof path, "%s/docker", tmpdir);
	setenv("DOCKER_CONFIG", path, 1);
	unsetenv("REGISTRY_AUTH_FILE");

	check("ghcr.io", 0, NULL, NULL, NULL, "no config file");

	config("{\"auths\":{"
	    "\"https://index.docker.io/v1/\":{\"auth\":\"dXNlcjpwYXNz\"},"
	    "\"ghcr.io\":{\"auth\":\"bXl1c2VyOmdocF94eHh4\"},"
	    "\"127.0.0.1:5000\":{\"username\":\"u\",\"password\":\"p\"},"
	    "\"quay.io\":{\"identitytoken\":\"idtok\"},"
	    "\"https://reg.example:8443/v1/\":{\"auth\":\"YTpiOmM=\"},"
	    "\"http://other.example/path\":{\"auth\":\"eDp5AAA=\"},"
	    "\"empty.example\":{},"
	    "\"bad.example\":{\"auth\":\"czNjcmV0!!\"},"
	    "\"nouser.example\":{\"auth\":\"OnMzY3JldA==\"},"
	    "\"nocolon.example\":{\"auth\":\"czNjcmV0\"}"
	    "}}");
	check("ghcr.io", 1, "myuser", "ghp_xxxx", NULL, "auths auth");
	check("127.0.0.1:5000", 1, "u", "p", NULL, "username+password");
	check("quay.io", 1, "<token>", "idtok", NULL, "identitytoken");
	check("reg.example:8443", 1, "a", "b:c", NULL,
	    "https key with path, split at first colon");
	check("other.example", 1, "x", "y", NULL,
	    "http key, trailing NULs trimmed");
	check("docker.io", 1, "user", "pass", NULL, "hub alias docker.io");
	check("registry-1.docker.io", 1, "user", "pass", NULL,
	    "hub alias registry-1");
	check("empty.example", 0, NULL, NULL, NULL, "empty entry");
	check("missing.example", 0, NULL, NULL, NULL, "unknown host");
	check("reg.example", 0, NULL, NULL, NULL, "port must match");
	check("bad.example", -1, NULL, NULL,
	    "config.json: invalid auth entry for bad.example",
	    "invalid base64");
	check("nouser.example", -1, NULL, NULL, "invalid auth entry",
	    "empty username");
	check("nocolon.example", -1, NULL, NULL, "invalid auth entry",
	    "no colon");

	config("{\"auths\":{\"helper.example\":{\"auth\":\"eDp5\"},"
	    "\"store.example\":{\"auth\":\"eDp5\"},"
	    "\"nf.example\":{\"auth\":\"eDp5\"}},"
	    "\"credHelpers\":{\"helper.example\":\"test\","
	    "\"garbage.example\":\"test\",\"fail.example\":\"test\","
	    "\"nf2.example\":\"test\",\"missing.example\":\"nosuch\","
	    "\"evil.example\":\"../../bin/sh\","
	    "\"https://index.docker.io/v1/\":\"test\"}}");
	check("helper.example", 1, "hu", "hs", NULL,
	    "credHelpers wins over auths");
	check("docker.io", 1, "hub", "hubs", NULL, "credHelpers hub key");
	check("nf2.example", 0, NULL, NULL, NULL, "helper: not found");
	check("garbage.example", -1, NULL, NULL,
	    "docker-credential-test returned invalid output",
	    "helper: garbage output");
	check("fail.example", -1, NULL, NULL,
	    "docker-credential-test failed for fail.example",
	    "helper: failure");
	check("missing.example", -1, NULL, NULL, "docker-credential-nosuch",
	    "helper: not installed");
	check("evil.example", -1, NULL, NULL, "invalid credential helper",
	    "helper: name with a path");
	check("store.example", 1, "x", "y", NULL,
	    "no credsStore: auths used");

	config("{\"auths\":{\"nf.example\":{\"auth\":\"eDp5\"}},"
	    "\"credsStore\":\"test\"}");
	check("store.example", 1, "su", "ss", NULL, "credsStore");
	check("nf.example", 1, "x", "y", NULL,
	    "credsStore not found: auths entry");
	check("nothing.example", 0, NULL, NULL, NULL,
	    "credsStore not found, no entry");

	/* REGISTRY_AUTH_FILE comes first, then the docker config. */
	config("{\"auths\":{\"ghcr.io\":{\"auth\":\"ZG9jazpk\"},"
	    "\"only.docker\":{\"auth\":\"ZG9jazpk\"}}}");
	put("auth.json", "{\"auths\":{\"ghcr.io\":{\"auth\":\"cG9kOnA=\"}}}",
	    0600);
	snprintf(path, sizeof path, "%s/auth.json", tmpdir);
	setenv("REGISTRY_AUTH_FILE", path, 1);
	check("ghcr.io", 1, "pod", "p", NULL, "REGISTRY_AUTH_FILE first");
	check("only.docker", 1, "dock", "d", NULL,
	    "falls back to docker config");
	snprintf(path, sizeof path, "%s/nonexistent.json", tmpdir);
	setenv("REGISTRY_AUTH_FILE", path, 1);
	check("ghcr.io", 1, "dock", "d", NULL, "missing auth file skipped");
	unsetenv("REGISTRY_AUTH_FILE");

	config("{\"auths\": {");
	check("ghcr.io", -1, NULL, NULL, "invalid JSON", "broken config");

	/* Clean up. */
	setenv("PATH", oldpath ? oldpath : "/usr/bin:/bin", 1);
	free(oldpath);
	snprintf(path, sizeof path, "%s/docker/config.json", tmpdir);
	unlink(path);
	snprintf(path, sizeof path, "%s/auth.json", tmpdir);
	unlink(path);
	snprintf(path, sizeof path, "%s/bin/docker-credential-test", tmpdir);
	unlink(path);
	snprintf(path, sizeof path, "%s/docker", tmpdir);
	rmdir(path);
	snprintf(path, sizeof path, "%s/bin", tmpdir);
	rmdir(path);
	rmdir(tmpdir);
}

int
main(void)
{
	test_challenges();
	test_base64();
	test_lookup();
	return tap_done();
}
