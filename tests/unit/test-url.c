/*
 * test-url.c — URL resolution (RFC 3986), Link header parsing (RFC 8288),
 * percent-encoding and error descriptions.
 */
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "tap.h"

/* RFC 3986 §5.4 against base http://a/b/c/d;p?q, plus pagination cases. */
static const struct {
	const char	*base;
	const char	*ref;
	const char	*want;
} resolve_cases[] = {
	/* §5.4.1 normal examples */
	{ "http://a/b/c/d;p?q", "g:h", "g:h" },
	{ "http://a/b/c/d;p?q", "g", "http://a/b/c/g" },
	{ "http://a/b/c/d;p?q", "./g", "http://a/b/c/g" },
	{ "http://a/b/c/d;p?q", "g/", "http://a/b/c/g/" },
	{ "http://a/b/c/d;p?q", "/g", "http://a/g" },
	{ "http://a/b/c/d;p?q", "//g", "http://g" },
	{ "http://a/b/c/d;p?q", "?y", "http://a/b/c/d;p?y" },
	{ "http://a/b/c/d;p?q", "g?y", "http://a/b/c/g?y" },
	{ "http://a/b/c/d;p?q", "#s", "http://a/b/c/d;p?q#s" },
	{ "http://a/b/c/d;p?q", "g#s", "http://a/b/c/g#s" },
	{ "http://a/b/c/d;p?q", "g?y#s", "http://a/b/c/g?y#s" },
	{ "http://a/b/c/d;p?q", ";x", "http://a/b/c/;x" },
	{ "http://a/b/c/d;p?q", "g;x", "http://a/b/c/g;x" },
	{ "http://a/b/c/d;p?q", "g;x?y#s", "http://a/b/c/g;x?y#s" },
	{ "http://a/b/c/d;p?q", "", "http://a/b/c/d;p?q" },
	{ "http://a/b/c/d;p?q", ".", "http://a/b/c/" },
	{ "http://a/b/c/d;p?q", "./", "http://a/b/c/" },
	{ "http://a/b/c/d;p?q", "..", "http://a/b/" },
	{ "http://a/b/c/d;p?q", "../", "http://a/b/" },
	{ "http://a/b/c/d;p?q", "../g", "http://a/b/g" },
	{ "http://a/b/c/d;p?q", "../..", "http://a/" },
	{ "http://a/b/c/d;p?q", "../../", "http://a/" },
	{ "http://a/b/c/d;p?q", "../../g", "http://a/g" },
	/* §5.4.2 abnormal examples */
	{ "http://a/b/c/d;p?q", "../../../g", "http://a/g" },
	{ "http://a/b/c/d;p?q", "../../../../g", "http://a/g" },
	{ "http://a/b/c/d;p?q", "/./g", "http://a/g" },
	{ "http://a/b/c/d;p?q", "/../g", "http://a/g" },
	{ "http://a/b/c/d;p?q", "g.", "http://a/b/c/g." },
	{ "http://a/b/c/d;p?q", ".g", "http://a/b/c/.g" },
	{ "http://a/b/c/d;p?q", "g..", "http://a/b/c/g.." },
	{ "http://a/b/c/d;p?q", "..g", "http://a/b/c/..g" },
	{ "http://a/b/c/d;p?q", "./../g", "http://a/b/g" },
	{ "http://a/b/c/d;p?q", "./g/.", "http://a/b/c/g/" },
	{ "http://a/b/c/d;p?q", "g/./h", "http://a/b/c/g/h" },
	{ "http://a/b/c/d;p?q", "g/../h", "http://a/b/c/h" },
	{ "http://a/b/c/d;p?q", "g;x=1/./y", "http://a/b/c/g;x=1/y" },
	{ "http://a/b/c/d;p?q", "g;x=1/../y", "http://a/b/c/y" },
	{ "http://a/b/c/d;p?q", "g?y/./x", "http://a/b/c/g?y/./x" },
	{ "http://a/b/c/d;p?q", "g?y/../x", "http://a/b/c/g?y/../x" },
	{ "http://a/b/c/d;p?q", "g#s/./x", "http://a/b/c/g#s/./x" },
	{ "http://a/b/c/d;p?q", "g#s/../x", "http://a/b/c/g#s/../x" },
	{ "http://a/b/c/d;p?q", "http:g", "http:g" },
	/* pagination as registries and forges send it */
	{ "http://127.0.0.1:5001/v2/foo/tags/list?n=100",
	  "/v2/foo/tags/list?last=x&n=100",
	  "http://127.0.0.1:5001/v2/foo/tags/list?last=x&n=100" },
	{ "https://framagit.org/api/v4/projects/1/repository/tags?page=1",
	  "?page=2", "https://framagit.org/api/v4/projects/1/repository/tags?page=2" },
	{ "https://ghcr.io", "v2/x/tags/list", "https://ghcr.io/v2/x/tags/list" },
	{ "https://api.github.com/repos/o/r/releases?per_page=100",
	  "https://api.github.com/repositories/1/releases?per_page=100&page=2",
	  "https://api.github.com/repositories/1/releases?per_page=100&page=2" },
	{ "https://a.example:8443/x/y", "//b.example/z", "https://b.example/z" },
};

static const char gh_link[] =
    "<https://api.github.com/repositories/1300192/issues?page=2>; rel=\"prev\", "
    "<https://api.github.com/repositories/1300192/issues?page=4>; rel=\"next\", "
    "<https://api.github.com/repositories/1300192/issues?page=515>; rel=\"last\", "
    "<https://api.github.com/repositories/1300192/issues?page=1>; rel=\"first\"";
static const char gl_link[] =
    "<https://gitlab.example.com/api/v4/projects/8/issues/8/notes?page=1&per_page=3>; rel=\"prev\", "
    "<https://gitlab.example.com/api/v4/projects/8/issues/8/notes?page=3&per_page=3>; rel=\"next\", "
    "<https://gitlab.example.com/api/v4/projects/8/issues/8/notes?page=1&per_page=3>; rel=\"first\", "
    "<https://gitlab.example.com/api/v4/projects/8/issues/8/notes?page=3&per_page=3>; rel=\"last\"";

static const struct {
	const char	*name;
	const char	*link;
	const char	*base;
	const char	*want;
} link_cases[] = {
	{ "GitHub example, next in the middle", gh_link,
	  "https://api.github.com/repos/o/r/issues",
	  "https://api.github.com/repositories/1300192/issues?page=4" },
	{ "GitLab example", gl_link, "https://gitlab.example.com/api/v4/x",
	  "https://gitlab.example.com/api/v4/projects/8/issues/8/notes?page=3&per_page=3" },
	{ "relative distribution Link",
	  "</v2/foo/tags/list?last=x&n=100>; rel=\"next\"",
	  "http://127.0.0.1:5001/v2/foo/tags/list?n=100",
	  "http://127.0.0.1:5001/v2/foo/tags/list?last=x&n=100" },
	{ "relative query-only Link", "<?page=2>; rel=next",
	  "https://h.example/api/tags?page=1", "https://h.example/api/tags?page=2" },
	{ "no next on the last page",
	  "<https://api.github.com/x?page=1>; rel=\"first\", "
	  "<https://api.github.com/x?page=3>; rel=\"prev\"",
	  "https://api.github.com/x", NULL },
	{ "rel=NEXT in upper case", "<https://h.example/p2>; rel=NEXT",
	  "https://h.example/", "https://h.example/p2" },
	{ "several relation types", "<https://h.example/p2>; rel=\"next last\"",
	  "https://h.example/", "https://h.example/p2" },
	{ "relation types: next is second",
	  "<https://h.example/p9>; rel=\"last  next\"",
	  "https://h.example/", "https://h.example/p9" },
	{ "params before rel, unquoted rel",
	  "<https://h.example/p1>; type=\"text/html\"; rel=prev, "
	  "<https://h.example/p3>; title=\"a, b; c\"; rel=next",
	  "https://h.example/", "https://h.example/p3" },
	{ "comma inside the URL",
	  "<https://h.example/a,b?x=1,2>; rel=\"next\"",
	  "https://h.example/", "https://h.example/a,b?x=1,2" },
	{ "nextish is not next", "<https://h.example/p2>; rel=\"nextpage\"",
	  "https://h.example/", NULL },
	{ "only the first rel counts",
	  "<https://h.example/p2>; rel=\"prev\"; rel=\"next\"",
	  "https://h.example/", NULL },
	{ "spaces around = and ;",
	  "<https://h.example/p1>  ;  rel = \"prev\" ,<https://h.example/p2> ; rel = \"next\"",
	  "https://h.example/", "https://h.example/p2" },
	{ "empty header", "", "https://h.example/", NULL },
	{ "garbage", "rel=next", "https://h.example/", NULL },
	{ "unterminated target", "<https://h.example/p2; rel=next",
	  "https://h.example/", NULL },
};

static const struct {
	const char	*in;
	const char	*want;
} escape_cases[] = {
	{ "", "" },
	{ "abcXYZ019-._~", "abcXYZ019-._~" },
	{ "framasoft/framateam/mostlymatter",
	  "framasoft%2Fframateam%2Fmostlymatter" },
	{ "a b+c&d=e?f#g", "a%20b%2Bc%26d%3De%3Ff%23g" },
	{ "v1.0.0-rc.1+build", "v1.0.0-rc.1%2Bbuild" },
	{ "\xc3\xa9\x01\xff", "%C3%A9%01%FF" },
};

static const struct {
	long		 status;
	const char	*url;
	const char	*error;
	const char	*want;
} describe_cases[] = {
	{ 503, "https://api.github.com/repos/o/r/releases?per_page=100&access_token=s3cret",
	  NULL, "HTTP 503 from api.github.com" },
	{ 404, "http://127.0.0.1:5001/v2/x/manifests/1.0", NULL,
	  "HTTP 404 from 127.0.0.1:5001" },
	{ 0, "https://h.example/x?token=s3cret",
	  "response larger than 8388608 bytes",
	  "response from h.example larger than 8388608 bytes" },
	{ 0, "http://127.0.0.1:1234/x",
	  "connection to 127.0.0.1:1234 failed: Connection refused",
	  "connection to 127.0.0.1:1234 failed: Connection refused" },
};

int
main(void)
{
	struct http_response r;
	char *got;
	size_t i;

	for (i = 0; i < (sizeof(resolve_cases) / sizeof(resolve_cases[0])); i++) {
		got = http_url_resolve(resolve_cases[i].base,
		    resolve_cases[i].ref);
		is_str(got, resolve_cases[i].want, "resolve \"%s\"",
		    resolve_cases[i].ref);
		free(got);
	}
	got = http_url_resolve(NULL, "/x");
	ok(got == NULL, "relative reference without base is refused");
	free(got);
	got = http_url_resolve(NULL, "https://h.example/x");
	is_str(got, "https://h.example/x", "absolute reference without base");
	free(got);
	got = http_url_resolve("not-absolute/base", "x");
	ok(got == NULL, "base without scheme is refused");
	free(got);

	for (i = 0; i < (sizeof(link_cases) / sizeof(link_cases[0])); i++) {
		got = http_link_next(link_cases[i].link, link_cases[i].base);
		is_str(got, link_cases[i].want, "link: %s", link_cases[i].name);
		free(got);
	}
	got = http_link_next(NULL, "https://h.example/");
	ok(got == NULL, "link: NULL header");
	free(got);

	for (i = 0; i < (sizeof(escape_cases) / sizeof(escape_cases[0])); i++) {
		got = http_escape(escape_cases[i].in);
		is_str(got, escape_cases[i].want, "escape case %zu", i);
		free(got);
	}

	for (i = 0; i < (sizeof(describe_cases) / sizeof(describe_cases[0])); i++) {
		memset(&r, 0, sizeof r);
		r.status = describe_cases[i].status;
		r.url = (char *)describe_cases[i].url;
		r.error = (char *)describe_cases[i].error;
		got = http_describe_error(&r);
		is_str(got, describe_cases[i].want, "describe: case %zu", i);
		ok(got != NULL && strstr(got, "s3cret") == NULL &&
		    strchr(got, '?') == NULL, "describe: no query string");
		free(got);
	}
	return tap_done();
}
