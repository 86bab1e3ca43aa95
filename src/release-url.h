/*
 * release-url.h — the upstream page of a version, for people to open (the
 * dashboard's `o`, the status JSON's html_url).
 *
 * What an upstream says a release's page is (GitHub's and Gitea's
 * html_url, GitLab's _links.self) is hostile like everything it sends: it
 * is kept only when it is a plain http(s) URL of printable ASCII, at most
 * RELEASE_URL_MAX bytes, on the forge's own web host (github.com for
 * api.github.com; the API's host for GitHub Enterprise; base_url's host for
 * GitLab and Gitea). Otherwise the page is made from the configuration and
 * the tag (percent-encoded) where the forge's web base is known: a tag
 * page (GitHub and Gitea releases/tag/TAG, GitLab -/tags/TAG or
 * -/releases/TAG). A registry upstream has none.
 */
#ifndef MT_RELEASE_URL_H
#define MT_RELEASE_URL_H

#define RELEASE_URL_MAX	512

struct source_config;

/* Whether s is a URL a terminal may print and a browser may open. */
int	 release_url_valid(const char *s);
/* The page of tag (upstream: what the upstream said, or NULL). Caller
 * frees; NULL when there is none. */
char	*release_url(const struct source_config *, const char *tag,
	    const char *upstream);

#endif
