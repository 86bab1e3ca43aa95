/* test-auth.c — challenge parsing, base64 and credential lookup. */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "auth-int.h"
#include "child.h"
#include "loop.h"
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

/* What an asynchronous lookup answered. */
struct answer {
	int	 done;
	int	 rc;
	char	*user;
	char	*secret;
	char	*cause;
};

static void
answer_cb(int rc, const struct auth_cred *cred, const char *cause, void *arg)
{
	struct answer *a = arg;

	a->done++;
	a->rc = rc;
	if (cred != NULL) {
		a->user = xstrdup(cred->username);
		a->secret = xstrdup(cred->secret);
	}
	a->cause = xstrdup(cause);
}

static void
answer_clear(struct answer *a)
{
	free(a->user);
	free(a->secret);
	free(a->cause);
	memset(a, 0, sizeof *a);
}

/* Loop ticks, counted while a helper works. */
static int ticks;

static void
tick_cb(void *arg)
{
	struct loop *l = arg;

	ticks++;
	loop_timer_add(l, 20, tick_cb, l);
}

/* Run the loop until every answer came or 30 s passed. */
static void
run_until(struct loop *l, struct answer *a, size_t n)
{
	uint64_t end = time_mono_ms() + 30000;
	size_t i;

	for (;;) {
		for (i = 0; i < n && a[i].done; i++)
			;
		if (i == n || time_mono_ms() > end)
			return;
		loop_once(l, 200);
	}
}

/*
 * One lookup as the registry client makes it (on the loop, a helper as a
 * child), the host's earlier answer forgotten first; then the synchronous
 * lookup, which gives the same answer without running anything. Expected
 * rc, username, secret; the cause must not leak a secret.
 */
static void
check(const char *host, int want_rc, const char *user, const char *secret,
    const char *cause_has, const char *what)
{
	struct auth_cred cred;
	struct answer a;
	struct loop *l = loop_new();
	char *cause = NULL;
	int rc;

	memset(&a, 0, sizeof a);
	auth_forget(host);
	(void)auth_lookup_async(l, host, answer_cb, &a);
	ok(a.done == 0, "%s: not answered from inside the call", what);
	run_until(l, &a, 1);
	is_int(a.done, 1, "%s: answered once", what);
	rc = auth_lookup(host, &cred, &cause);
	is_int(a.rc, rc, "%s: the same answer without the loop", what);
	if (rc == 1 && a.rc == 1) {
		is_str(a.user, cred.username, "%s: same username", what);
		is_str(a.secret, cred.secret, "%s: same secret", what);
	}
	answer_clear(&a);
	loop_free(l);
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
    "count.example) echo run >> \"$COUNT_FILE\"; sleep 1;"
    " echo '{\"Username\":\"cu\",\"Secret\":\"cs\"}' ;;\n"
    "big.example) i=0; while [ $i -lt 20000 ]; do"
    " echo 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'; i=$((i+1));"
    " done ;;\n"
    "*) echo 'credentials not found in native keychain'; exit 1 ;;\n"
    "esac\n";

/*
 * Helper output with a NUL inside (found by fuzz-helper-output): the
 * whole output is read and wiped, not only up to the NUL.
 */
static void
test_helper_output_nul(void)
{
	static const char out[] = "boom\0 and more bytes after the NUL";
	struct auth_cred cred;
	char *cause = NULL;
	int rc;

	memset(&cred, 0, sizeof cred);
	rc = auth_parse_helper_output(1, out, sizeof out - 1,
	    "docker-credential-x", "ghcr.io", &cred, &cause);
	is_int(rc, -1, "helper output with a NUL: an error");
	ok(cause != NULL && strstr(cause, "docker-credential-x failed for "
	    "ghcr.io: boom") != NULL, "helper output with a NUL: the text "
	    "before it (%s)", cause ? cause : "");
	free(cause);
	cause = NULL;
	rc = auth_parse_helper_output(0, "{\"Secret\":\"s\"}\0x", 15,
	    "docker-credential-x", "ghcr.io", &cred, &cause);
	is_int(rc, -1, "JSON followed by a NUL: invalid output");
	free(cause);
	auth_cred_clear(&cred);
}

/*
 * A helper runs as a child on the loop: the loop goes on (timers fire)
 * while it works; at most once per host, whoever asks and however often;
 * stopped after 10 s or 64 KiB of output; a cancelled lookup stops it.
 */
static void
test_helper_on_loop(void)
{
	struct answer a[3];
	struct loop *l = loop_new();
	struct auth_query *q;
	char path[600], *text = NULL;
	size_t len = 0, i;
	long runs = 0;
	uint64_t t0;

	snprintf(path, sizeof path, "%s/count", tmpdir);
	setenv("COUNT_FILE", path, 1);
	config("{\"credHelpers\":{\"count.example\":\"test\","
	    "\"slow.example\":\"test\",\"big.example\":\"test\"}}");
	memset(a, 0, sizeof a);
	ticks = 0;
	loop_timer_add(l, 20, tick_cb, l);
	t0 = time_mono_ms();
	(void)auth_lookup_async(l, "count.example", answer_cb, &a[0]);
	(void)auth_lookup_async(l, "count.example", answer_cb, &a[1]);
	ok(time_mono_ms() - t0 < 900, "starting a helper does not wait for it");
	run_until(l, a, 2);
	ok(a[0].rc == 1 && a[1].rc == 1 && a[0].secret != NULL &&
	    strcmp(a[0].secret, "cs") == 0, "both lookups answered");
	ok(ticks >= 10, "the loop ran while the helper slept (%d ticks)",
	    ticks);
	(void)auth_lookup_async(l, "count.example", answer_cb, &a[2]);
	run_until(l, &a[2], 1);
	ok(a[2].rc == 1, "a later lookup answered from memory");
	if (file_read(path, 4096, &text, &len) == 0) {
		for (i = 0; i + 3 <= len; i++)
			runs += memcmp(text + i, "run", 3) == 0;
	}
	free(text);
	is_int(runs, 1, "the helper ran once for three lookups");
	for (i = 0; i < 3; i++)
		answer_clear(&a[i]);

	/* Too much output: stopped at the cap. */
	(void)auth_lookup_async(l, "big.example", answer_cb, &a[0]);
	run_until(l, a, 1);
	ok(a[0].rc == -1 && a[0].cause != NULL &&
	    strstr(a[0].cause, "more than 64 KiB") != NULL,
	    "output over the cap stops the helper (%s)",
	    a[0].cause ? a[0].cause : "");
	answer_clear(&a[0]);

	/* A cancelled lookup stops the helper. */
	q = auth_lookup_async(l, "slow.example", answer_cb, &a[0]);
	is_int(child_running(), 1, "the helper runs");
	auth_cancel(q);
	t0 = time_mono_ms();
	while (child_running() > 0 && time_mono_ms() - t0 < 10000)
		loop_once(l, 100);
	is_int(child_running(), 0, "cancelled: the helper is gone");
	is_int(a[0].done, 0, "cancelled: no answer");

	/* A helper that never answers costs 10 s, not the dashboard. */
	ticks = 0;
	t0 = time_mono_ms();
	(void)auth_lookup_async(l, "slow.example", answer_cb, &a[0]);
	run_until(l, a, 1);
	ok(a[0].rc == -1 && a[0].cause != NULL &&
	    strstr(a[0].cause, "no answer for slow.example within 10 s") !=
	    NULL, "a silent helper is stopped (%s)",
	    a[0].cause ? a[0].cause : "");
	ok(time_mono_ms() - t0 >= 9000 && time_mono_ms() - t0 < 25000,
	    "after about 10 s");
	ok(ticks > 100, "the loop ran meanwhile (%d ticks)", ticks);
	answer_clear(&a[0]);
	is_int(child_running(), 0, "no child left");
	unlink(path);
	unsetenv("COUNT_FILE");
	loop_free(l);
}

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

	test_helper_on_loop();

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
	test_helper_output_nul();
	return tap_done();
}
