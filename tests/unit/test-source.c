/* test-source.c — source type table and configuration checks. */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "http.h"
#include "loop.h"
#include "source.h"
#include "tap.h"

static int called;

/* Must never run for a rejected configuration. */
static void
cb(struct source_result *res, void *arg)
{
	called++;
	source_result_free(res);
}

static const struct {
	const char	*name;
	int		 type;
} names[] = {
	{ "github-releases", SOURCE_GITHUB_RELEASES },
	{ "github-tags", SOURCE_GITHUB_TAGS },
	{ "gitlab-tags", SOURCE_GITLAB_TAGS },
	{ "gitlab-releases", SOURCE_GITLAB_RELEASES },
	{ "gitlab-tag", -1 },
	{ "GitHub-Releases", -1 },
	{ "", -1 },
	{ NULL, -1 },
};

static const struct {
	enum source_type type;
	const char	*repo;
	const char	*project;
	const char	*api;
} bad[] = {
	{ SOURCE_GITHUB_RELEASES, NULL, NULL, NULL },
	{ SOURCE_GITHUB_RELEASES, "mattermost", NULL, NULL },
	{ SOURCE_GITHUB_RELEASES, "/mattermost", NULL, NULL },
	{ SOURCE_GITHUB_RELEASES, "mattermost/", NULL, NULL },
	{ SOURCE_GITHUB_TAGS, "a/b/c", NULL, NULL },
	{ SOURCE_GITHUB_TAGS, "a/b c", NULL, NULL },
	{ SOURCE_GITHUB_TAGS, "a/b?x=1", NULL, NULL },
	{ SOURCE_GITHUB_TAGS, "a/b", NULL, "not a url" },
	{ SOURCE_GITLAB_TAGS, NULL, NULL, NULL },
	{ SOURCE_GITLAB_TAGS, NULL, "", NULL },
	{ SOURCE_GITLAB_TAGS, NULL, "/group/proj", NULL },
	{ SOURCE_GITLAB_TAGS, NULL, "group/proj/", NULL },
	{ SOURCE_GITLAB_RELEASES, NULL, "group//proj", NULL },
	{ SOURCE_GITLAB_RELEASES, NULL, "group/pr oj", NULL },
};

int
main(void)
{
	struct loop		*loop = loop_new();
	struct http		*http = http_new(loop);
	struct source_config	 sc;
	size_t			 i;
	int			 t;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		is_int(source_type_from_name(names[i].name), names[i].type,
		    "type of \"%s\"", names[i].name ? names[i].name : "(null)");
		if (names[i].type >= 0)
			is_str(source_type_name(names[i].type), names[i].name,
			    "name of type %d", names[i].type);
	}
	is_str(source_type_name(-1), "unknown", "name of -1");
	is_str(source_type_name(99), "unknown", "name of 99");

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&sc, 0, sizeof sc);
		sc.type = bad[i].type;
		sc.repo = (char *)bad[i].repo;
		sc.project = (char *)bad[i].project;
		sc.api = (char *)bad[i].api;
		sc.base_url = (char *)bad[i].api;
		t = source_fetch(http, &sc, cb, NULL);
		is_int(t, -1, "%s %s rejected", source_type_name(sc.type),
		    bad[i].repo ? bad[i].repo : bad[i].project ?
		    bad[i].project : "(none)");
	}
	memset(&sc, 0, sizeof sc);
	sc.type = (enum source_type)42;
	sc.repo = "a/b";
	is_int(source_fetch(http, &sc, cb, NULL), -1, "unknown type rejected");
	is_int(called, 0, "no callback for rejected configurations");

	/* A started fetch can be cancelled without its callback. */
	memset(&sc, 0, sizeof sc);
	sc.type = SOURCE_GITHUB_RELEASES;
	sc.repo = "o/r";
	sc.api = "http://127.0.0.1:9/";
	is_int(source_fetch(http, &sc, cb, &called), 0, "fetch started");
	source_cancel(http, &called);
	loop_once(loop, 50);
	is_int(called, 0, "cancelled fetch never calls back");
	is_int(source_fetch(http, &sc, cb, NULL), 0, "second fetch started");
	sc.type = SOURCE_GITLAB_TAGS;
	sc.project = "g/p";
	is_int(source_fetch(http, &sc, cb, &sc), 0, "third fetch started");
	source_cancel_all(http);
	loop_once(loop, 50);
	is_int(called, 0, "cancel_all: no callbacks");

	http_free(http);
	loop_free(loop);
	return (tap_done());
}
