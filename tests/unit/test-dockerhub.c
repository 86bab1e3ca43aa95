/*
 * test-dockerhub.c — Docker Hub's names: docker.io and its aliases speak
 * the API at registry-1.docker.io; single-component repositories are
 * library/ ones; other registries are left alone.
 */
#include <stdlib.h>
#include <string.h>

#include "registry-dockerhub.h"
#include "util.h"
#include "tap.h"

static const struct {
	const char	*host;
	const char	*repo;
	int		 hub;
	const char	*api_host;
	const char	*api_repo;
} cases[] = {
	{ "docker.io", "postgres", 1, "registry-1.docker.io",
	  "library/postgres" },
	{ "docker.io", "thisistobi/mattermost", 1, "registry-1.docker.io",
	  "thisistobi/mattermost" },
	{ "Docker.IO", "alpine", 1, "registry-1.docker.io", "library/alpine" },
	{ "index.docker.io", "alpine", 1, "registry-1.docker.io",
	  "library/alpine" },
	{ "registry-1.docker.io", "library/alpine", 1, "registry-1.docker.io",
	  "library/alpine" },
	{ "registry.hub.docker.com", "nginx", 1, "registry-1.docker.io",
	  "library/nginx" },
	{ "ghcr.io", "postgres", 0, "ghcr.io", "postgres" },
	{ "ghcr.io", "this-is-tobi/mirror/app", 0, "ghcr.io",
	  "this-is-tobi/mirror/app" },
	{ "127.0.0.1:5000", "app", 0, "127.0.0.1:5000", "app" },
	{ "docker.io.evil.example", "app", 0, "docker.io.evil.example",
	  "app" },
	{ "docker.io:443", "app", 0, "docker.io:443", "app" },
};

int
main(void)
{
	size_t i;
	char *r;

	for (i = 0; i < MT_ARRAY_LEN(cases); i++) {
		is_int(registry_dockerhub_is_hub(cases[i].host), cases[i].hub,
		    "%s is%s Docker Hub", cases[i].host,
		    cases[i].hub ? "" : " not");
		is_str(registry_dockerhub_api_host(cases[i].host),
		    cases[i].api_host, "%s: API host", cases[i].host);
		r = registry_dockerhub_repo(cases[i].host, cases[i].repo);
		is_str(r, cases[i].api_repo, "%s: %s", cases[i].host,
		    cases[i].repo);
		free(r);
	}
	return tap_done();
}
