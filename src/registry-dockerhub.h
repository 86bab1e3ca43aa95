/*
 * registry-dockerhub.h — Docker Hub as it really is: "docker.io" is the
 * name users write, registry-1.docker.io the host that speaks the API, and
 * a single-component repository ("postgres") lives under "library/".
 * Everything else (the token realm and service, from the challenge;
 * credentials keyed "https://index.docker.io/v1/", in auth.c; the
 * ratelimit-* pull budget, in http.c) needs no special case.
 */
#ifndef MT_REGISTRY_DOCKERHUB_H
#define MT_REGISTRY_DOCKERHUB_H

/* Whether host[:port] names Docker Hub (docker.io, index.docker.io,
 * registry-1.docker.io, registry.hub.docker.com; any case). */
int		 registry_dockerhub_is_hub(const char *host);
/* The host to send API requests to. Borrowed (static, or host itself). */
const char	*registry_dockerhub_api_host(const char *host);
/* The repository as the API names it ("library/x" for Docker Hub's
 * single-component "x"; unchanged otherwise). Caller frees. */
char		*registry_dockerhub_repo(const char *host, const char *repo);

#endif
