/* registry-dockerhub.c — Docker Hub's names: its API host, library/. */
#include <string.h>
#include <strings.h>

#include "registry-dockerhub.h"
#include "util.h"

#define DOCKERHUB_API_HOST	"registry-1.docker.io"

/* The names Docker's own clients accept for Docker Hub. */
static const char *const dockerhub_names[] = {
	"docker.io",
	"index.docker.io",
	"registry-1.docker.io",
	"registry.hub.docker.com",
};

/* Whether host names Docker Hub. */
int
registry_dockerhub_is_hub(const char *host)
{
	size_t i;

	if (host == NULL)
		return 0;
	for (i = 0; i < MT_ARRAY_LEN(dockerhub_names); i++)
		if (strcasecmp(host, dockerhub_names[i]) == 0)
			return 1;
	return 0;
}

/* The API host for host. */
const char *
registry_dockerhub_api_host(const char *host)
{
	return registry_dockerhub_is_hub(host) ? DOCKERHUB_API_HOST : host;
}

/* The API's name for repo on host. Caller frees. */
char *
registry_dockerhub_repo(const char *host, const char *repo)
{
	if (repo == NULL)
		return NULL;
	if (registry_dockerhub_is_hub(host) && *repo != '\0' &&
	    strchr(repo, '/') == NULL)
		return xasprintf("library/%s", repo);
	return xstrdup(repo);
}
