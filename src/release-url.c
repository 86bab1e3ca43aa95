/* release-url.c — the upstream page of a version (release-url.h). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "release-url.h"
#include "util.h"

/* Characters of a URL that are printed as they are (RFC 3986, without
 * what a terminal or a shell could take for something else). */
static int
release_url_char(unsigned char c)
{
	if (c <= 0x20 || c >= 0x7f)
		return 0;
	return strchr("\"'<>\\^`{|}", c) == NULL;
}

int
release_url_valid(const char *s)
{
	size_t i, len;
	const char *auth;

	if (s == NULL || (len = strlen(s)) == 0 || len > RELEASE_URL_MAX)
		return 0;
	if (strncasecmp(s, "https://", 8) == 0)
		auth = s + 8;
	else if (strncasecmp(s, "http://", 7) == 0)
		auth = s + 7;
	else
		return 0;
	if (*auth == '\0' || *auth == '/' || *auth == '@')
		return 0;
	for (i = 0; i < len; i++)
		if (!release_url_char((unsigned char)s[i]))
			return 0;
	/* No credentials in the authority. */
	if (memchr(auth, '@', strcspn(auth, "/?#")) != NULL)
		return 0;
	return 1;
}

/* "scheme://authority" of a URL, lower case, into out; 0, or -1. */
static int
release_url_origin(const char *url, char *out, size_t size)
{
	const char *p = strstr(url != NULL ? url : "", "://");
	size_t n, i;

	if (p == NULL)
		return -1;
	n = (size_t)(p - url) + 3 + strcspn(p + 3, "/?#");
	if (n + 1 > size)
		return -1;
	for (i = 0; i < n; i++)
		out[i] = (char)(url[i] >= 'A' && url[i] <= 'Z' ?
		    url[i] - 'A' + 'a' : url[i]);
	out[n] = '\0';
	return 0;
}

/* The forge's web base (no trailing slash), or NULL. Caller frees. */
static char *
release_url_web(const struct source_config *sc)
{
	size_t len;

	switch (sc->type) {
	case SOURCE_GITHUB_RELEASES:
	case SOURCE_GITHUB_TAGS:
		if (sc->api == NULL)
			return NULL;
		if (strcasecmp(sc->api, "https://api.github.com") == 0)
			return xstrdup("https://github.com");
		len = strlen(sc->api);
		if (len > 7 && strcmp(sc->api + len - 7, "/api/v3") == 0)
			return xstrndup(sc->api, len - 7);
		return NULL;
	case SOURCE_GITLAB_TAGS:
	case SOURCE_GITLAB_RELEASES:
	case SOURCE_GITEA_TAGS:
	case SOURCE_GITEA_RELEASES:
		return sc->base_url != NULL ? xstrdup(sc->base_url) : NULL;
	default:
		return NULL;
	}
}

/* A path component percent-encoded (unreserved characters kept). */
static char *
release_url_encode(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = xmalloc(strlen(s) * 3 + 1), *o = out;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c) != NULL) {
			*o++ = (char)c;
		} else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o = '\0';
	return out;
}

char *
release_url(const struct source_config *sc, const char *tag,
    const char *upstream)
{
	char *web, *enc, *url = NULL;
	char want[256], got[256];
	const char *site;

	if (sc == NULL || tag == NULL || *tag == '\0')
		return NULL;
	web = release_url_web(sc);
	/* The upstream's own link, when it stays on the forge's web host. */
	site = web != NULL ? web : sc->api;
	if (upstream != NULL && site != NULL && release_url_valid(upstream) &&
	    release_url_origin(site, want, sizeof want) == 0 &&
	    release_url_origin(upstream, got, sizeof got) == 0 &&
	    strcmp(want, got) == 0) {
		free(web);
		return xstrdup(upstream);
	}
	if (web == NULL)
		return NULL;
	enc = release_url_encode(tag);
	switch (sc->type) {
	case SOURCE_GITLAB_TAGS:
		if (sc->project == NULL ||
		    strspn(sc->project, "0123456789") == strlen(sc->project))
			break;	/* a numeric project id names no page */
		url = xasprintf("%s/%s/-/tags/%s", web, sc->project, enc);
		break;
	case SOURCE_GITLAB_RELEASES:
		if (sc->project == NULL ||
		    strspn(sc->project, "0123456789") == strlen(sc->project))
			break;
		url = xasprintf("%s/%s/-/releases/%s", web, sc->project, enc);
		break;
	default:
		url = xasprintf("%s/%s/releases/tag/%s", web, sc->repo, enc);
		break;
	}
	free(enc);
	free(web);
	if (url != NULL && !release_url_valid(url)) {
		free(url);
		return NULL;
	}
	return url;
}
