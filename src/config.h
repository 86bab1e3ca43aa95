/*
 * config.h — the configuration: JSON file or the built-in default,
 * validated strictly (unknown keys, wrong types, bad regexes and template
 * placeholders are errors naming file:line:col and the key path).
 *
 * After config_load() every per-app field is filled in (inherited from the
 * top level where the app does not override it), so callers never look at
 * the top level for per-app settings.
 */
#ifndef MT_CONFIG_H
#define MT_CONFIG_H

#include <stddef.h>

#define CONFIG_MAX_ARCHS 8
#define CONFIG_MAX_TARGETS 8

enum source_type {
	SOURCE_GITHUB_RELEASES,
	SOURCE_GITHUB_TAGS,
	SOURCE_GITLAB_TAGS,
	SOURCE_GITLAB_RELEASES,
	SOURCE_GITEA_TAGS,
	SOURCE_GITEA_RELEASES,
	SOURCE_REGISTRY_TAGS,
};

struct source_config {
	enum source_type type;
	char	*repo;		/* github, gitea: "owner/name" */
	char	*project;	/* gitlab: "group/sub/name" (not yet encoded) */
	char	*api;		/* github API base, default https://api.github.com */
	char	*base_url;	/* gitlab base, default https://gitlab.com;
				 * gitea base (required) */
	char	*token_env;	/* env var holding the token; default GITHUB_TOKEN / GITLAB_TOKEN */
	int	 prereleases;	/* github-releases: keep prereleases (default 0) */
	char	*registry;	/* registry-tags: host[:port] as written */
	char	*repository;	/* registry-tags: repository on it */
	int	 plain_http;	/* registry-tags: loopback registry over http */
};

struct kv {
	char	*key;
	char	*value;		/* template */
};

enum builder_type {
	BUILDER_EXEC,
	BUILDER_GITHUB_ACTIONS,
};

struct builder_config {
	enum builder_type type;
	char	**argv;		/* exec: templates, NULL-terminated */
	size_t	  argc;
	long	  timeout;	/* seconds, default 3600 */
	int	  attempts;	/* default 3 */
	/* github-actions */
	char	 *repo;		/* owner/name */
	char	 *workflow;	/* file name or id */
	char	 *ref;		/* template, default "main" */
	char	 *api;		/* default https://api.github.com */
	char	 *token_env;	/* default GITHUB_TOKEN */
	struct kv *inputs;	/* templates */
	size_t	  ninputs;
	long	  poll_interval; /* seconds, default 10 */
};

enum notify_type {
	NOTIFY_EXEC,
	NOTIFY_WEBHOOK,
};

/* One notification sink of `notify` (no secret in here: the webhook URL
 * and secret header values are names of environment variables). */
struct notify_config {
	enum notify_type type;
	char	 id[17];	/* hash of the sink's definition: names it in
				 * the event history across restarts */
	unsigned long events;	/* bit per enum event_type */
	char	**apps;		/* NULL: every app */
	size_t	  napps;
	long	  timeout;	/* seconds per attempt, default 10 */
	int	  attempts;	/* default 3 */
	/* exec */
	char	**argv;		/* NULL-terminated, no templates */
	size_t	  argc;
	char	**env_pass;	/* variable names passed through */
	size_t	  nenv_pass;
	/* webhook */
	char	 *url;	/* literal URL (not a secret), or NULL */
	char	 *url_env;	/* variable holding the URL, or NULL */
	char	 *template;	/* body with {field} placeholders, or NULL */
	char	 *content_type;	/* default application/json */
	struct kv *headers;	/* literal, non-secret */
	size_t	  nheaders;
	struct kv *headers_env;	/* header -> variable holding its value */
	size_t	  nheaders_env;
};

/*
 * A registry and namespace that images are published to. The first of the
 * configuration's targets is the primary (builds push there, merges happen
 * there); the others are mirrors that receive copies.
 */
struct target_config {
	char	*name;		/* unique; the registry host[:port] for the
				 * top-level registry/namespace shorthand */
	char	*registry;	/* host[:port] as configured ("docker.io") */
	char	*namespace;
	int	 plain_http;
	char	*packages_api;	/* GitHub Packages REST base (prune deletes
				 * package versions there): configured, or
				 * https://api.github.com for ghcr.io; NULL:
				 * not GHCR */
	char	*token_env;	/* its token's variable (GITHUB_TOKEN) */
};

struct app_config {
	char			*name;
	struct source_config	 source;
	char			*include;	/* PCRE2 or NULL */
	char			*exclude;	/* PCRE2 or NULL */
	int			 versioning;	/* enum versioning (version.h) */
	char			*archs[CONFIG_MAX_ARCHS];
	size_t			 narchs;
	int			 max_versions;
	int			 manifest;	/* 0: plugin scheme */
	char			*image;		/* repository name under namespace */
	char			*image_tag;	/* template, default "{version}" */
	char			*staging_tag;	/* template */
	struct builder_config	*builder;	/* borrowed: app's own or the global one; NULL = none configured */
	struct builder_config	*own_builder;	/* owned, if the app overrides */
	/* indexes into config->targets: the app's targets, its primary
	 * first (every target unless the app names its own) */
	size_t			 targets[CONFIG_MAX_TARGETS];
	size_t			 ntargets;
	int			 own_targets;	/* the app has a "targets" key */
};

struct config {
	char			*path;		/* file read, or NULL for the built-in default */
	/* the primary target's (targets[0]) registry, namespace, plain_http */
	char			*registry;	/* host[:port] */
	char			*namespace;
	int			 plain_http;
	struct target_config	*targets;	/* at least one */
	size_t			 ntargets;
	char			*archs[CONFIG_MAX_ARCHS];
	size_t			 narchs;
	int			 max_versions;	/* default 10 */
	int			 refresh_interval; /* seconds, default 600 */
	int			 read_only;
	int			 manifest;	/* default 1 */
	char			*staging_tag;	/* default "{image_tag}-{arch}" */
	struct kv		*runners;	/* arch -> runner label */
	size_t			 nrunners;
	struct builder_config	*builder;	/* NULL when none configured */
	int			 jobs;		/* concurrent builds, default 2 */
	long			 http_timeout;	/* seconds, default 30 */
	long			 http_stall_timeout; /* seconds without data, default 15 */
	struct {
		int	min_age_hours;	/* untagged this long before removal (24) */
		int	max_deletions;	/* per prune run (50) */
		int	keep_versions;	/* 0: versions are never pruned */
	}			 retention;
	int			 http_attempts;	/* default 3 */
	struct notify_config	*notify;	/* sinks */
	size_t			 nnotify;
	int			 notify_initial; /* announce what the first
						  * refresh finds */
	int			 notify_keep;	/* events kept, default 1000 */
	int			 bell;		/* watch mode: bell on new_version */
	struct app_config	*apps;
	size_t			 napps;
	struct attest_config	*attest;	/* NULL when none configured */
};

/*
 * Find and load the configuration: path if given, else $MIRRORTOP_CONFIG,
 * else $XDG_CONFIG_HOME/mirrortop/config.json (~/.config/...), else the
 * built-in default. 0 ok; -1 with *cause = "FILE:LINE:COL: KEYPATH: what"
 * (caller frees).
 */
int	config_load(const char *path, struct config **out, char **cause);
/* Parse and validate text; filename is used in messages only. */
int	config_parse(const char *text, size_t len, const char *filename,
	    struct config **out, char **cause);
void	config_free(struct config *);		/* accepts NULL */
/* The effective configuration as pretty JSON with defaults filled in. Caller frees. */
char	*config_dump(const struct config *);
/* The built-in default configuration text (JSON). */
const char *config_default_text(void);
/* Runner label for an arch, or "" when none. Borrowed. */
const char *config_runner(const struct config *, const char *arch);
/* The target named name, or NULL. Borrowed. */
const struct target_config *config_target(const struct config *,
	    const char *name);
/* The app's k-th target (0: its primary). Borrowed. */
const struct target_config *config_app_target(const struct config *,
	    const struct app_config *, size_t k);
/* Template placeholders known to templates; used by validation. */
int	config_placeholder_known(const char *name, size_t len);

#endif
