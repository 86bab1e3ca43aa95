/*
 * fuzz-source.c — GitHub, GitLab and Gitea list pages (releases, tags) as a
 * source reads them: the JSON list, the error and rate-limit messages of a
 * failed response, the next page from Link / X-Next-Page / X-Total; then
 * the entries through an include filter of each version scheme, as the
 * status does. Input: see response.h; the first byte's low three bits
 * pick the source type (modulo the number of types), bit 3 keeps
 * pre-releases, bits 4-5 the scheme; the rest is the response.
 */
#include "config.h"
#include "filter.h"
#include "release-url.h"
#include "response.h"
#include "source.h"
#include "source-int.h"
#include "util.h"
#include "version.h"

static struct filter *fz_filter[4];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *cause = NULL;

	(void)argc;
	(void)argv;
	fz_filter[VERSIONING_SEMVER] = filter_new(
	    "^v?([0-9]+\\.[0-9]+\\.[0-9]+.*)$", NULL, VERSIONING_SEMVER, 0,
	    &cause);
	fz_filter[VERSIONING_LOOSE] = filter_new(NULL, NULL,
	    VERSIONING_LOOSE, 1, &cause);
	fz_filter[VERSIONING_CALVER] = filter_new(NULL, "rc", VERSIONING_CALVER,
	    0, &cause);
	fz_filter[VERSIONING_REGEX_ORDER] = filter_new(
	    "^(?<version>v?(?<c1>[0-9]+)[._-](?<c2>[0-9]+)(?:[._-](?<c3>"
	    "[0-9]+))?)$", NULL, VERSIONING_REGEX_ORDER, 0, &cause);
	for (int i = 0; i < 4; i++) {
		if (fz_filter[i] == NULL)
			abort();
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const char *const urls[] = {
		[SOURCE_GITHUB_RELEASES] =
		    "https://api.github.com/repos/o/r/releases?per_page=100",
		[SOURCE_GITHUB_TAGS] =
		    "https://api.github.com/repos/o/r/tags?per_page=100",
		[SOURCE_GITLAB_TAGS] = ("https://gitlab.com/api/v4/projects/"
		    "g%2Fp/repository/tags?per_page=100"),
		[SOURCE_GITLAB_RELEASES] =
		    "https://gitlab.com/api/v4/projects/1/releases",
		[SOURCE_GITEA_TAGS] =
		    "https://codeberg.org/api/v1/repos/o/r/tags?limit=50",
		[SOURCE_GITEA_RELEASES] =
		    "https://codeberg.org/api/v1/repos/o/r/releases?limit=50",
	};
	struct fuzz_response f;
	struct source_result *res;
	struct filtered_version *fv = NULL;
	struct filter_skipped skipped;
	char *next = NULL;
	int type;
	size_t n;

	if (len < 1)
		return 0;
	type = (int)((data[0] & 7) % MT_ARRAY_LEN(urls));
	fuzz_response(&f, data + 1, len - 1, urls[type]);
	res = source_parse_response(type, (data[0] & 8) != 0, urls[type],
	    &f.r, &next);
	if (res == NULL)
		abort();
	if (res->error == NULL) {
		/* Each version's page, as release-url.h decides it from the
		 * upstream's link: printable, http(s), on the forge's host. */
		static const struct source_config sources[] = {
			[SOURCE_GITHUB_RELEASES] = { .type =
			    SOURCE_GITHUB_RELEASES, .repo = "o/r",
			    .api = "https://api.github.com" },
			[SOURCE_GITHUB_TAGS] = { .type = SOURCE_GITHUB_TAGS,
			    .repo = "o/r", .api = "https://ghe.example/api/v3" },
			[SOURCE_GITLAB_TAGS] = { .type = SOURCE_GITLAB_TAGS,
			    .project = "g/p", .base_url = "https://gitlab.com" },
			[SOURCE_GITLAB_RELEASES] = { .type =
			    SOURCE_GITLAB_RELEASES, .project = "1",
			    .base_url = "https://gitlab.com" },
			[SOURCE_GITEA_TAGS] = { .type = SOURCE_GITEA_TAGS,
			    .repo = "o/r", .base_url = "https://codeberg.org" },
			[SOURCE_GITEA_RELEASES] = { .type =
			    SOURCE_GITEA_RELEASES, .repo = "o/r",
			    .base_url = "http://127.0.0.1:3000" },
		};
		for (n = 0; n < res->ntags; n++) {
			char *page;

			if (res->tags[n].html_url != NULL &&
			    !release_url_valid(res->tags[n].html_url))
				abort();
			page = release_url(&sources[type], res->tags[n].tag,
			    res->tags[n].html_url);
			if (page != NULL && !release_url_valid(page))
				abort();
			free(page);
		}
		memset(&skipped, 0, sizeof skipped);
		n = filter_apply(fz_filter[(data[0] >> 4) & 3], res->tags,
		    res->ntags, 10, &fv, &skipped);
		filter_result_free(fv, n);
	} else if (strchr(res->error, '\n') != NULL ||
	    strchr(res->error, '\033') != NULL)
		abort();	/* errors are one clean line */
	free(next);
	source_result_free(res);
	free(f.copy);
	return 0;
}
