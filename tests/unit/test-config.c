/*
 * test-config.c — configuration: every validation rule gives its exact
 * one-line message with file:line:col and key path; good configurations
 * give the effective per-app values; the lookup order; the dump.
 */

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "util.h"
#include "tap.h"

/* A valid frame around one app, for the cases that break one thing. */
#define TOP	"{\n  \"namespace\": \"mirror\",\n"
#define APP_GH	"{\"name\": \"a\", \"source\": {\"type\": \"github-tags\", " \
		"\"repo\": \"o/a\"}"

static const struct bad_case {
	const char	*text;
	const char	*want;
} bad_cases[] = {
	/* JSON syntax, from jansson's own position */
	{ "{\n  \"namespace\": \"m\",\n}\n",
	  "config.json:3:1: invalid JSON: string or '}' expected near '}'" },
	{ "{\"registry\": \"a\",\n \"registry\": \"b\"}",
	  "config.json:2:11: invalid JSON: duplicate object key near "
	  "'\"registry\"'" },
	{ "\n  [1, 2]\n",
	  "config.json:2:3: the top level must be an object, got array" },
	/* unknown keys, with and without a suggestion */
	{ TOP "  \"regsitry\": \"ghcr.io\",\n  \"apps\": [" APP_GH "}]}",
	  "config.json:3:3: regsitry: unknown key \"regsitry\" "
	  "(did you mean \"registry\"?)" },
	{ TOP "  \"colour\": true,\n  \"apps\": [" APP_GH "}]}",
	  "config.json:3:3: colour: unknown key \"colour\"" },
	{ TOP "  \"apps\": [" APP_GH ",\n    \"imagetag\": \"{version}\"}]}",
	  "config.json:4:5: apps[0].imagetag: unknown key \"imagetag\" "
	  "(did you mean \"image_tag\"?)" },
	{ TOP "  \"apps\": [{\"name\": \"a\", \"source\": {\"type\": "
	  "\"github-releases\", \"repo\": \"o/a\", \"prerelease\": true}}]}",
	  "config.json:3:79: apps[0].source.prerelease: unknown key "
	  "\"prerelease\" (did you mean \"prereleases\"?)" },
	{ TOP "  \"apps\": [{\"name\": \"a\", \"source\": {\"type\": "
	  "\"gitlab-tags\", \"repo\": \"o/a\"}}]}",
	  "config.json:3:60: apps[0].source.repo: key \"repo\" is not used by "
	  "source type \"gitlab-tags\"" },
	/* secrets */
	{ TOP "  \"apps\": [{\"name\": \"a\", \"source\": {\"type\": "
	  "\"github-tags\", \"repo\": \"o/a\",\n      \"token\": \"ghp_x\"}}]}",
	  "config.json:4:7: apps[0].source.token: secrets are not allowed in "
	  "the config file: tokens come from the environment (see token_env), "
	  "registry credentials from the docker config" },
	{ TOP "  \"registry_password\": \"hunter2\",\n  \"apps\": [" APP_GH "}]}",
	  "config.json:3:3: registry_password: secrets are not allowed in "
	  "the config file: tokens come from the environment (see token_env), "
	  "registry credentials from the docker config" },
	/* types */
	{ TOP "  \"max_versions\": \"10\",\n  \"apps\": [" APP_GH "}]}",
	  "config.json:3:19: max_versions: expected integer, got string" },
	{ TOP "  \"max_versions\": 2.5,\n  \"apps\": [" APP_GH "}]}",
	  "config.json:3:19: max_versions: expected integer, got real" },
	{ TOP "  \"archs\": \"amd64\",\n  \"apps\": [" APP_GH "}]}",
	  "config.json:3:12: archs: expected array, got string" },
	{ TOP "  \"plain_http\": 1,\n  \"apps\": [" APP_GH "}]}",
	  "config.json:3:17: plain_http: expected boolean, got integer" },
	{ TOP "  \"apps\": [\"a\"]}",
	  "config.json:3:12: apps[0]: expected object, got string" },
	{ TOP "  \"apps\": [{\"name\": 7}]}",
	  "config.json:3:21: apps[0].name: expected string, got integer" },
	/* source types and required keys */
	{ TOP "  \"apps\": [\n    {\"name\": \"a\", \"source\": {\"type\": "
	  "\"github-tags\", \"repo\": \"o/a\"}},\n    {\"name\": \"b\", "
	  "\"source\": {\"type\": \"github-tags\", \"repo\": \"o/b\"}},\n"
	  "    {\"name\": \"c\",\n     \"source\": {\"base_url\": "
	  "\"https://framagit.org\",\n        \"type\": \"gitlab-tag\", "
	  "\"project\": \"a/b\"}}]}",
	  "config.json:8:17: apps[2].source.type: unknown source type "
	  "\"gitlab-tag\"" },
	{ TOP "  \"apps\": [{\"source\": {\"type\": \"github-tags\", "
	  "\"repo\": \"o/a\"}}]}",
	  "config.json:3:12: apps[0]: missing required key \"name\"" },
	{ TOP "  \"apps\": [{\"name\": \"a\", \"source\": {\"repo\": "
	  "\"o/a\"}}]}",
	  "config.json:3:36: apps[0].source: missing required key \"type\"" },
	{ TOP "  \"apps\": [{\"name\": \"a\", \"source\": {\"type\": "
	  "\"github-releases\"}}]}",
	  "config.json:3:36: apps[0].source: missing required key \"repo\"" },
	{ TOP "  \"apps\": [{\"name\": \"a\", \"source\": {\"type\": "
	  "\"gitlab-releases\"}}]}",
	  "config.json:3:36: apps[0].source: missing required key "
	  "\"project\"" },
	{ TOP "  \"apps\": [{\"name\": \"a\"}]}",
	  "config.json:3:12: apps[0]: missing required key \"source\"" },
	{ "{\"apps\": [" APP_GH "}]}",
	  "config.json:1:1: missing required key \"namespace\"" },
	{ TOP "  \"archs\": [\"amd64\"]\n}",
	  "config.json:1:1: missing required key \"apps\"" },
	{ TOP "  \"apps\": []}",
	  "config.json:3:11: apps: must list at least one app" },
	/* names */
	{ TOP "  \"apps\": [" APP_GH "},\n    {\"name\": \"a\", \"source\": "
	  "{\"type\": \"github-tags\", \"repo\": \"o/b\"}}]}",
	  "config.json:4:14: apps[1].name: duplicate app name \"a\" "
	  "(also apps[0])" },
	{ TOP "  \"apps\": [{\"name\": \"Mattermost\"}]}",
	  "config.json:3:21: apps[0].name: invalid app name \"Mattermost\": "
	  "lowercase letters and digits, separated by '.', '_' or '-'" },
	{ TOP "  \"apps\": [" APP_GH ", \"image\": \"tools//a\"}]}",
	  "config.json:3:85: apps[0].image: invalid image name \"tools//a\": "
	  "lowercase path components separated by '/'" },
	{ TOP "  \"apps\": [" APP_GH "},\n    {\"name\": \"b\", \"image\": "
	  "\"a\", \"source\": {\"type\": \"github-tags\", \"repo\": "
	  "\"o/b\"}}]}",
	  "config.json:4:28: apps[1].image: image \"a\" is also used by "
	  "apps[0]" },
	{ "{\"namespace\": \"My/Mirror\", \"apps\": [" APP_GH "}]}",
	  "config.json:1:15: namespace: invalid namespace \"My/Mirror\": "
	  "lowercase path components separated by '/'" },
	/* regexes */
	{ TOP "  \"apps\": [" APP_GH ", \"include\": \"^v(\\\\d+\"}]}",
	  "config.json:3:87: apps[0].include: invalid regex: missing closing "
	  "parenthesis at offset 6" },
	{ TOP "  \"apps\": [" APP_GH ",\n    \"exclude\": \"[rc\"}]}",
	  "config.json:4:16: apps[0].exclude: invalid regex: missing "
	  "terminating ] for character class at offset 3" },
	/* templates */
	{ TOP "  \"apps\": [" APP_GH ", \"image_tag\": \"{ver}\"}]}",
	  "config.json:3:89: apps[0].image_tag: unknown placeholder "
	  "\"{ver}\"" },
	{ TOP "  \"apps\": [" APP_GH ", \"image_tag\": \"{version}-{arch}\"}]}",
	  "config.json:3:89: apps[0].image_tag: placeholder \"{arch}\" is not "
	  "available in image_tag" },
	{ TOP "  \"apps\": [" APP_GH ", \"image_tag\": \"{version}+x\"}]}",
	  "config.json:3:89: apps[0].image_tag: \"+\" is not allowed in a tag "
	  "(letters, digits, '_', '.', '-')" },
	{ TOP "  \"apps\": [" APP_GH ", \"image_tag\": \"stable\"}]}",
	  "config.json:3:89: apps[0].image_tag: must contain {version} or "
	  "{tag}" },
	{ TOP "  \"staging_tag\": \"{image_tag}-build\",\n"
	  "  \"apps\": [" APP_GH "}]}",
	  "config.json:3:18: staging_tag: must contain {arch}" },
	{ TOP "  \"staging_tag\": \"{image_tag-{arch}\",\n"
	  "  \"apps\": [" APP_GH "}]}",
	  "config.json:3:18: staging_tag: unknown placeholder "
	  "\"{image_tag-{arch}\"" },
	{ TOP "  \"builder\": {\"type\": \"exec\", \"argv\": [\"./build\", "
	  "\"--push\",\n    \"{imag}:{image_tag}\"]},\n  \"apps\": [" APP_GH "}]}",
	  "config.json:4:5: builder.argv[2]: unknown placeholder \"{imag}\"" },
	{ TOP "  \"builder\": {\"type\": \"github-actions\", \"repo\": \"o/ci\", "
	  "\"workflow\": \"build.yml\",\n    \"inputs\": {\"version\": "
	  "\"{version}\", \"arch\": \"{archs}\"}},\n"
	  "  \"apps\": [" APP_GH "}]}",
	  "config.json:4:48: builder.inputs.arch: unknown placeholder "
	  "\"{archs}\"" },
	{ TOP "  \"builder\": {\"type\": \"github-actions\", \"repo\": \"o/ci\", "
	  "\"workflow\": \"build.yml\", \"ref\": \"{branch}\"},\n"
	  "  \"apps\": [" APP_GH "}]}",
	  "config.json:3:89: builder.ref: unknown placeholder \"{branch}\"" },
	/* archs */
	{ TOP "  \"archs\": [],\n  \"apps\": [" APP_GH "}]}",
	  "config.json:3:12: archs: must list at least one arch" },
	{ TOP "  \"archs\": [\"amd64\", \"arm64\", \"amd64\"],\n  \"apps\": ["
	  APP_GH "}]}",
	  "config.json:3:31: archs[2]: duplicate arch \"amd64\"" },
	{ TOP "  \"archs\": [\"amd64\", \"x86_64\"],\n  \"apps\": [" APP_GH "}]}",
	  "config.json:3:22: archs[1]: unknown arch \"x86_64\" (known: amd64 "
	  "arm64 arm arm/v6 arm/v7 386 ppc64le s390x riscv64 mips64le "
	  "loong64)" },
	{ TOP "  \"archs\": [\"amd64\", \"arm64\", \"arm\", \"arm/v6\", "
	  "\"arm/v7\", \"386\", \"ppc64le\", \"s390x\", \"riscv64\"],\n"
	  "  \"apps\": [" APP_GH "}]}",
	  "config.json:3:12: archs: at most 8 archs, got 9" },
	{ TOP "  \"apps\": [" APP_GH ", \"archs\": [\"arm64\", \"arm64\"]}]}",
	  "config.json:3:95: apps[0].archs[1]: duplicate arch \"arm64\"" },
	/* ranges */
	{ TOP "  \"max_versions\": 0,\n  \"apps\": [" APP_GH "}]}",
	  "config.json:3:19: max_versions: must be between 1 and 1000, got 0" },
	{ TOP "  \"apps\": [" APP_GH ", \"max_versions\": 1001}]}",
	  "config.json:3:92: apps[0].max_versions: must be between 1 and 1000, "
	  "got 1001" },
	{ TOP "  \"refresh_interval\": 5,\n  \"apps\": [" APP_GH "}]}",
	  "config.json:3:23: refresh_interval: must be between 10 and 604800, "
	  "got 5" },
	{ TOP "  \"jobs\": 65,\n  \"apps\": [" APP_GH "}]}",
	  "config.json:3:11: jobs: must be between 1 and 64, got 65" },
	/* registry and TLS */
	{ TOP "  \"registry\": \"https://ghcr.io\",\n  \"apps\": [" APP_GH "}]}",
	  "config.json:3:15: registry: invalid registry \"https://ghcr.io\": "
	  "expected host[:port], without scheme or path" },
	{ TOP "  \"registry\": \"localhost:99999\",\n  \"apps\": [" APP_GH "}]}",
	  "config.json:3:15: registry: invalid registry \"localhost:99999\": "
	  "expected host[:port], without scheme or path" },
	{ TOP "  \"registry\": \"ghcr.io\",\n  \"plain_http\": true,\n"
	  "  \"apps\": [" APP_GH "}]}",
	  "config.json:4:17: plain_http: plain HTTP is only allowed for a "
	  "loopback registry (127.0.0.0/8, localhost, [::1]), not \"ghcr.io\": "
	  "TLS is never silently downgraded" },
	{ TOP "  \"registry\": \"128.0.0.1:5000\", \"plain_http\": true,\n"
	  "  \"apps\": [" APP_GH "}]}",
	  "config.json:3:47: plain_http: plain HTTP is only allowed for a "
	  "loopback registry (127.0.0.0/8, localhost, [::1]), not "
	  "\"128.0.0.1:5000\": TLS is never silently downgraded" },
	/* a run of digits longer than an octet is a name, not an address
	 * (and its value is never computed: it would overflow an int) */
	{ TOP "  \"registry\": \"1279223372036854775808.0.0.1:5000\", "
	  "\"plain_http\": true,\n  \"apps\": [" APP_GH "}]}",
	  "config.json:3:66: plain_http: plain HTTP is only allowed for a "
	  "loopback registry (127.0.0.0/8, localhost, [::1]), not "
	  "\"1279223372036854775808.0.0.1:5000\": TLS is never silently "
	  "downgraded" },
	{ TOP "  \"registry\": \"0127.0.0.1:5000\", \"plain_http\": true,\n"
	  "  \"apps\": [" APP_GH "}]}",
	  "config.json:3:48: plain_http: plain HTTP is only allowed for a "
	  "loopback registry (127.0.0.0/8, localhost, [::1]), not "
	  "\"0127.0.0.1:5000\": TLS is never silently downgraded" },
	/* builders */
	{ TOP "  \"builder\": {\"type\": \"docker\"},\n  \"apps\": [" APP_GH "}]}",
	  "config.json:3:23: builder.type: unknown builder type \"docker\" "
	  "(known: exec, github-actions)" },
	{ TOP "  \"builder\": {\"type\": \"exec\", \"argv\": []},\n  \"apps\": ["
	  APP_GH "}]}",
	  "config.json:3:39: builder.argv: must not be empty" },
	{ TOP "  \"builder\": {\"type\": \"exec\", \"argv\": [\"b\", 1]},\n"
	  "  \"apps\": [" APP_GH "}]}",
	  "config.json:3:45: builder.argv[1]: expected string, got integer" },
	{ TOP "  \"builder\": {\"type\": \"exec\"},\n  \"apps\": [" APP_GH "}]}",
	  "config.json:3:14: builder: missing required key \"argv\"" },
	{ TOP "  \"apps\": [" APP_GH ", \"builder\": {\"type\": \"exec\", "
	  "\"argv\": [\"b\"], \"workflow\": \"x.yml\"}}]}",
	  "config.json:3:119: apps[0].builder.workflow: key \"workflow\" is not "
	  "used by builder type \"exec\"" },
	{ TOP "  \"builder\": {\"type\": \"github-actions\", \"repo\": \"o/ci\", "
	  "\"workflow\": \"b.yml\",\n    \"inputs\": {\"a\": \"1\", \"b\": \"1\", "
	  "\"c\": \"1\", \"d\": \"1\", \"e\": \"1\", \"f\": \"1\", \"g\": \"1\", "
	  "\"h\": \"1\", \"i\": \"1\", \"j\": \"1\", \"k\": \"1\"}},\n"
	  "  \"apps\": [" APP_GH "}]}",
	  "config.json:4:15: builder.inputs: at most 10 inputs, got 11" },
	{ TOP "  \"builder\": {\"type\": \"github-actions\", \"workflow\": "
	  "\"b.yml\"},\n  \"apps\": [" APP_GH "}]}",
	  "config.json:3:14: builder: missing required key \"repo\"" },
	/* URLs and token_env */
	{ TOP "  \"apps\": [{\"name\": \"a\", \"source\": {\"type\": "
	  "\"github-tags\", \"repo\": \"o/a\", \"api\": \"ftp://x\"}}]}",
	  "config.json:3:82: apps[0].source.api: must be an http:// or "
	  "https:// URL" },
	{ TOP "  \"apps\": [{\"name\": \"a\", \"source\": {\"type\": "
	  "\"gitlab-tags\", \"project\": \"g/a\",\n      \"base_url\": "
	  "\"https://user:pw@gitlab.example\"}}]}",
	  "config.json:4:19: apps[0].source.base_url: must not contain "
	  "credentials; tokens come from the environment (see token_env)" },
	{ TOP "  \"apps\": [{\"name\": \"a\", \"source\": {\"type\": "
	  "\"github-tags\", \"repo\": \"o/a\", \"token_env\": \"MY-TOKEN\"}}]}",
	  "config.json:3:88: apps[0].source.token_env: not an environment "
	  "variable name ([A-Za-z_][A-Za-z0-9_]*); the token itself belongs in "
	  "that variable" },
	{ TOP "  \"builder\": {\"type\": \"github-actions\", \"repo\": \"o/ci\", "
	  "\"workflow\": \"b.yml\",\n    \"token_env\": \"ghp_0123456789abcdef\"},\n"
	  "  \"apps\": [" APP_GH "}]}",
	  "config.json:4:18: builder.token_env: looks like a token, not the "
	  "name of the environment variable that holds it" },
	{ TOP "  \"registry\": \"bob:s3cret@ghcr.io\",\n  \"apps\": [" APP_GH "}]}",
	  "config.json:3:15: registry: must not contain credentials; they "
	  "come from the docker config" },
	{ TOP "  \"apps\": [{\"name\": \"a\", \"source\": {\"type\": "
	  "\"github-tags\", \"repo\": \"mattermost\"}}]}",
	  "config.json:3:68: apps[0].source.repo: \"mattermost\" is not a "
	  "GitHub \"owner/name\"" },
	{ TOP "  \"runners\": {\"amd64\": \"ubuntu-24.04\", \"x64\": \"big\"},\n"
	  "  \"apps\": [" APP_GH "}]}",
	  "config.json:3:40: runners.x64: unknown arch \"x64\"" },
	/* the scanner: escapes in keys, braces in strings, UTF-8 columns */
	{ TOP "  \"max_\\u0076ersions\": true,\n  \"apps\": [" APP_GH "}]}",
	  "config.json:3:24: max_versions: expected integer, got boolean" },
	{ TOP "  \"apps\": [{\"name\": \"a\", \"include\": \"[{\\\"]}x\", "
	  "\"source\": {\"type\": \"github-tags\", \"repo\": \"o/a\"}},\n"
	  "    {\"name\": \"b\", \"image_tag\": \"\\u00e9t\\u00e9{version}\", "
	  "\"source\": {\"type\": \"github-tags\", \"repo\": \"o/b\"}}]}",
	  "config.json:4:32: apps[1].image_tag: \"\xc3\xa9\" is not allowed in a tag "
	  "(letters, digits, '_', '.', '-')" },
	{ TOP "  \"apps\": [{\"name\": \"\xc3\xa9t\xc3\xa9\", \"source\": {}}]}",
	  "config.json:3:21: apps[0].name: invalid app name "
	  "\"\xc3\xa9t\xc3\xa9\": lowercase letters and digits, separated by "
	  "'.', '_' or '-'" },
	{ "{\"namespace\": \"m\", \"ba\\nd\\u001b[2J\": 1}",
	  "config.json:1:20: ba\\nd\\u001b[2J: unknown key \"ba\\nd\\u001b[2J\"" },
	{ TOP "  \"apps\": [{\"source\": {}, \"n\xc3\xa9\": 1, \"name\": "
	  "\"a\"}]}",
	  "config.json:3:27: apps[0].n\xc3\xa9: unknown key "
	  "\"n\xc3\xa9\"" },	/* targets */
	{ "{\"targets\": [{\"name\": \"ghcr\", \"registry\": \"ghcr.io\", "
	  "\"namespace\": \"m\"}],\n \"namespace\": \"m\", \"apps\": [" APP_GH
	  "}]}",
	  "config.json:2:2: namespace: set either \"targets\" or the "
	  "top-level \"registry\", \"namespace\" and \"plain_http\" (a "
	  "one-target shorthand), not both" },
	{ "{\"targets\": [],\n \"apps\": [" APP_GH "}]}",
	  "config.json:1:13: targets: must list at least one target "
	  "(the first is the primary)" },
	{ "{\"targets\": [{\"name\": \"Hub\", \"registry\": \"docker.io\", "
	  "\"namespace\": \"m\"}],\n \"apps\": [" APP_GH "}]}",
	  "config.json:1:23: targets[0].name: invalid target name "
	  "\"Hub\": lowercase letters, digits, '.', '_', ':' or '-', "
	  "at most 64 characters" },
	{ "{\"targets\": [{\"name\": \"a\", \"registry\": \"ghcr.io\", "
	  "\"namespace\": \"m\"},\n  {\"name\": \"a\", \"registry\": "
	  "\"docker.io\", \"namespace\": \"m\"}],\n \"apps\": [" APP_GH "}]}",
	  "config.json:2:12: targets[1].name: duplicate target name "
	  "\"a\" (also targets[0])" },
	{ "{\"targets\": [{\"name\": \"a\", \"registry\": \"ghcr.io\", "
	  "\"namespace\": \"m\"},\n  {\"name\": \"b\", \"registry\": "
	  "\"ghcr.io\", \"namespace\": \"m\"}],\n \"apps\": [" APP_GH "}]}",
	  "config.json:2:53: targets[1].namespace: the same registry "
	  "and namespace \"m\" as targets[0] (\"a\")" },
	{ "{\"targets\": [{\"name\": \"a\", \"registry\": \"docker.io\", "
	  "\"namespace\": \"m\", \"plain_http\": true}],\n \"apps\": ["
	  APP_GH "}]}",
	  "config.json:1:85: targets[0].plain_http: plain HTTP is only "
	  "allowed for a loopback registry (127.0.0.0/8, localhost, "
	  "[::1]), not \"docker.io\": TLS is never silently downgraded" },
	{ "{\"targets\": [{\"name\": \"a\", \"namespace\": \"m\"}],\n"
	  " \"apps\": [" APP_GH "}]}",
	  "config.json:1:14: targets[0]: missing required key "
	  "\"registry\"" },
	{ "{\"targets\": [{\"name\": \"a\", \"registry\": \"docker.io\", "
	  "\"namespace\": \"m\", \"password\": \"x\"}],\n \"apps\": ["
	  APP_GH "}]}",
	  "config.json:1:71: targets[0].password: secrets are not "
	  "allowed in the config file: tokens come from the "
	  "environment (see token_env), registry credentials from the "
	  "docker config" },
	{ "{\"targets\": [{\"name\": \"ghcr\", \"registry\": \"ghcr.io\", "
	  "\"namespace\": \"m\"},\n  {\"name\": \"hub\", \"registry\": "
	  "\"docker.io\", \"namespace\": \"m\"}],\n \"apps\": [" APP_GH
	  ", \"targets\": [\"hub\", \"quay\"]}]}",
	  "config.json:3:94: apps[0].targets[1]: unknown target "
	  "\"quay\" (configured: ghcr, hub)" },
	{ "{\"targets\": [{\"name\": \"ghcr\", \"registry\": \"ghcr.io\", "
	  "\"namespace\": \"m\"},\n  {\"name\": \"hub\", \"registry\": "
	  "\"docker.io\", \"namespace\": \"m\"}],\n \"apps\": [" APP_GH
	  ", \"targets\": [\"hub\", \"hub\"]}]}",
	  "config.json:3:94: apps[0].targets[1]: target \"hub\" is "
	  "named twice" },
	{ TOP "  \"apps\": [" APP_GH ", \"targets\": []}]}",
	  "config.json:3:87: apps[0].targets: must name at least one "
	  "target (the first is the app's primary)" },
	{ "{\"targets\": {\"name\": \"a\"},\n \"apps\": [" APP_GH "}]}",
	  "config.json:1:13: targets: expected array, got object" },
};

/* Parse text, expecting failure; return the message (caller frees). */
static char *
parse_error(const char *text)
{
	struct config *cfg = NULL;
	char *cause = NULL;

	if (config_parse(text, strlen(text), "config.json", &cfg, &cause) == 0) {
		config_free(cfg);
		return xstrdup("(accepted)");
	}
	ok(cfg == NULL, "no config on error");
	return cause;
}

/* Parse text that must be valid; NULL and a diagnostic otherwise. */
static struct config *
parse_ok(const char *text)
{
	struct config *cfg = NULL;
	char *cause = NULL;

	if (config_parse(text, strlen(text), "good.json", &cfg, &cause) != 0) {
		printf("# unexpected error: %s\n", cause);
		free(cause);
		return NULL;
	}
	return cfg;
}

/* Every bad case gives exactly its message, on one line. */
static void
test_bad(void)
{
	size_t i;
	char *got;

	for (i = 0; i < MT_ARRAY_LEN(bad_cases); i++) {
		got = parse_error(bad_cases[i].text);
		is_str(got, bad_cases[i].want, "bad config %zu", i);
		ok(strchr(got, '\n') == NULL, "bad config %zu: one line", i);
		free(got);
	}
}

/* Targets: the shorthand is one target; lists, per-app narrowing. */
static void
test_targets(void)
{
	static const char text[] =
	    "{\"targets\": [\n"
	    "  {\"name\": \"ghcr\", \"registry\": \"ghcr.io\", "
	    "\"namespace\": \"this-is-tobi/mirror\"},\n"
	    "  {\"name\": \"hub\", \"registry\": \"docker.io\", "
	    "\"namespace\": \"thisistobi\"},\n"
	    "  {\"name\": \"local\", \"registry\": \"127.0.0.1:5000\", "
	    "\"namespace\": \"m\", \"plain_http\": true}],\n"
	    " \"apps\": [" APP_GH "},\n"
	    "  {\"name\": \"b\", \"source\": {\"type\": \"github-tags\", "
	    "\"repo\": \"o/b\"}, \"targets\": [\"hub\", \"ghcr\"]}]}";
	struct config *cfg = parse_ok(text), *sh;
	const struct target_config *t;

	if (!ok(cfg != NULL, "targets: parses"))
		return;
	is_int(cfg->ntargets, 3, "targets: three");
	is_str(cfg->registry, "ghcr.io", "targets: primary registry at the top");
	is_str(cfg->namespace, "this-is-tobi/mirror",
	    "targets: primary namespace at the top");
	ok(!cfg->plain_http, "targets: primary plain_http at the top");
	t = config_target(cfg, "local");
	ok(t != NULL && t->plain_http && strcmp(t->registry,
	    "127.0.0.1:5000") == 0, "targets: plain_http per target");
	ok(config_target(cfg, "quay") == NULL, "targets: unknown name");
	is_int(cfg->apps[0].ntargets, 3, "targets: an app has all by default");
	ok(!cfg->apps[0].own_targets, "targets: not the app's own");
	is_str(config_app_target(cfg, &cfg->apps[0], 0)->name, "ghcr",
	    "targets: default primary of an app is the first");
	is_int(cfg->apps[1].ntargets, 2, "targets: narrowed app");
	is_str(config_app_target(cfg, &cfg->apps[1], 0)->name, "hub",
	    "targets: the app's first name is its primary");
	is_str(config_app_target(cfg, &cfg->apps[1], 1)->name, "ghcr",
	    "targets: then its mirrors");
	ok(config_app_target(cfg, &cfg->apps[1], 2) == NULL,
	    "targets: past the app's list");
	config_free(cfg);

	sh = parse_ok("{\"registry\": \"LocalHost:5000\", \"plain_http\": "
	    "true, \"namespace\": \"m\", \"apps\": [" APP_GH "}]}");
	if (!ok(sh != NULL, "shorthand: parses"))
		return;
	is_int(sh->ntargets, 1, "shorthand: one target");
	is_str(sh->targets[0].name, "localhost:5000",
	    "shorthand: named after the registry, lowercase");
	is_str(sh->targets[0].registry, "LocalHost:5000",
	    "shorthand: registry as configured");
	ok(sh->targets[0].plain_http, "shorthand: plain_http");
	is_int(sh->apps[0].ntargets, 1, "shorthand: the app has it");
	config_free(sh);
}

/* Defaults are inherited by apps; per-app overrides win. */
static void
test_effective(void)
{
	static const char text[] =
	    "{\"registry\": \"127.0.0.1:5000\", \"plain_http\": true,\n"
	    " \"namespace\": \"team/mirror\",\n"
	    " \"archs\": [\"amd64\", \"arm64\", \"arm/v7\"],\n"
	    " \"max_versions\": 5, \"manifest\": true, \"read_only\": true,\n"
	    " \"staging_tag\": \"build-{image_tag}-{arch}\",\n"
	    " \"runners\": {\"amd64\": \"big\", \"arm/v7\": \"pi\"},\n"
	    " \"jobs\": 4, \"http_timeout\": 12, \"http_attempts\": 5,\n"
	    " \"builder\": {\"type\": \"exec\", \"argv\": [\"./build.sh\", "
	    "\"{staging_ref}\", \"{platform}\"]},\n"
	    " \"apps\": [\n"
	    "  {\"name\": \"plain\", \"source\": {\"type\": \"github-releases\", "
	    "\"repo\": \"o/plain\"}},\n"
	    "  {\"name\": \"tuned\", \"archs\": [\"arm64\"], \"max_versions\": 3,\n"
	    "   \"manifest\": false, \"image\": \"tools/tuned\", "
	    "\"image_tag\": \"v{version}\",\n"
	    "   \"staging_tag\": \"{image_tag}-{arch}\", \"include\": "
	    "\"^v(.*)$\", \"exclude\": \"rc\",\n"
	    "   \"builder\": {\"type\": \"github-actions\", \"repo\": \"o/ci\", "
	    "\"workflow\": \"build.yml\",\n"
	    "     \"ref\": \"release-{version}\", \"inputs\": {\"version\": "
	    "\"{version}\", \"platform\": \"{platform}\"}, \"poll_interval\": 5},\n"
	    "   \"source\": {\"type\": \"gitlab-releases\", \"project\": "
	    "\"grp/sub/tuned\",\n"
	    "     \"base_url\": \"http://127.0.0.1:8080/\", \"token_env\": "
	    "\"MY_GL\", \"prereleases\": true}}]}";
	struct config *cfg = parse_ok(text);
	const struct app_config *a, *b;

	ok(cfg != NULL, "effective: parses");
	if (cfg == NULL)
		return;
	is_str(cfg->registry, "127.0.0.1:5000", "registry");
	ok(cfg->plain_http, "plain_http on loopback");
	ok(cfg->read_only, "read_only");
	is_int(cfg->jobs, 4, "jobs");
	is_int(cfg->http_timeout, 12, "http_timeout");
	is_int(cfg->http_attempts, 5, "http_attempts");
	is_int(cfg->refresh_interval, 600, "refresh_interval default");
	is_str(config_runner(cfg, "arm/v7"), "pi", "runner arm/v7");
	is_str(config_runner(cfg, "arm64"), "", "no runner for arm64");
	is_int(cfg->napps, 2, "two apps");

	a = &cfg->apps[0];
	is_int(a->narchs, 3, "plain: archs inherited");
	is_str(a->archs[2], "arm/v7", "plain: third arch");
	is_int(a->max_versions, 5, "plain: max_versions inherited");
	ok(a->manifest, "plain: manifest inherited");
	is_str(a->image, "plain", "plain: image defaults to the name");
	is_str(a->image_tag, "{version}", "plain: image_tag default");
	is_str(a->staging_tag, "build-{image_tag}-{arch}",
	    "plain: staging_tag inherited");
	ok(a->builder == cfg->builder && a->own_builder == NULL,
	    "plain: global builder borrowed");
	is_str(a->source.api, "https://api.github.com", "plain: api default");
	is_str(a->source.token_env, "GITHUB_TOKEN", "plain: token_env default");
	ok(a->include == NULL && a->exclude == NULL, "plain: no regexes");
	ok(!a->source.prereleases, "plain: prereleases off by default");
	is_int(cfg->builder->argc, 3, "global builder argc");
	ok(cfg->builder->argv[3] == NULL, "argv NULL-terminated");
	is_int(cfg->builder->timeout, 3600, "builder timeout default");
	is_int(cfg->builder->attempts, 3, "builder attempts default");

	b = &cfg->apps[1];
	is_int(b->narchs, 1, "tuned: archs override");
	is_str(b->archs[0], "arm64", "tuned: arch");
	is_int(b->max_versions, 3, "tuned: max_versions override");
	ok(!b->manifest, "tuned: manifest override");
	is_str(b->image, "tools/tuned", "tuned: image");
	is_str(b->image_tag, "v{version}", "tuned: image_tag");
	is_str(b->staging_tag, "{image_tag}-{arch}", "tuned: staging_tag");
	is_str(b->include, "^v(.*)$", "tuned: include");
	is_str(b->exclude, "rc", "tuned: exclude");
	ok(b->source.type == SOURCE_GITLAB_RELEASES, "tuned: gitlab-releases");
	is_str(b->source.project, "grp/sub/tuned", "tuned: project");
	is_str(b->source.base_url, "http://127.0.0.1:8080",
	    "tuned: base_url without trailing slash");
	is_str(b->source.token_env, "MY_GL", "tuned: token_env");
	ok(b->source.prereleases, "tuned: prereleases");
	ok(b->builder == b->own_builder && b->builder != cfg->builder,
	    "tuned: own builder wins");
	ok(b->builder->type == BUILDER_GITHUB_ACTIONS, "tuned: github-actions");
	is_str(b->builder->repo, "o/ci", "tuned: builder repo");
	is_str(b->builder->ref, "release-{version}", "tuned: builder ref");
	is_str(b->builder->api, "https://api.github.com", "tuned: builder api");
	is_str(b->builder->token_env, "GITHUB_TOKEN", "tuned: builder token");
	is_int(b->builder->ninputs, 2, "tuned: two inputs");
	is_str(b->builder->inputs[1].key, "platform", "tuned: input order");
	is_int(b->builder->poll_interval, 5, "tuned: poll_interval");
	config_free(cfg);
}

/* Minimal files get every documented default. */
static void
test_defaults(void)
{
	static const char text[] = "{\"namespace\": \"m\", \"apps\": "
	    "[{\"name\": \"x\", \"source\": {\"type\": \"gitlab-tags\", "
	    "\"project\": \"12345\"}}]}";
	static const char *const loopbacks[] = {
		"localhost:5000", "127.1.2.3", "[::1]:5000", "LOCALHOST",
	};
	struct config *cfg = parse_ok(text);
	char *doc;
	size_t i;

	ok(cfg != NULL, "minimal: parses");
	if (cfg == NULL)
		return;
	is_str(cfg->registry, "ghcr.io", "minimal: registry default");
	ok(!cfg->plain_http && !cfg->read_only && cfg->manifest,
	    "minimal: booleans default");
	is_int(cfg->narchs, 2, "minimal: two archs");
	is_str(cfg->archs[1], "arm64", "minimal: arm64");
	is_int(cfg->max_versions, 10, "minimal: max_versions");
	is_int(cfg->jobs, 2, "minimal: jobs");
	is_int(cfg->http_timeout, 30, "minimal: http_timeout");
	is_int(cfg->http_attempts, 3, "minimal: http_attempts");
	is_str(cfg->staging_tag, "{image_tag}-{arch}", "minimal: staging_tag");
	is_str(config_runner(cfg, "arm64"), "ubuntu-24.04-arm",
	    "minimal: arm64 runner");
	ok(cfg->builder == NULL && cfg->apps[0].builder == NULL,
	    "minimal: no builder");
	is_str(cfg->apps[0].source.base_url, "https://gitlab.com",
	    "minimal: gitlab base_url");
	is_str(cfg->apps[0].source.token_env, "GITLAB_TOKEN",
	    "minimal: gitlab token_env");
	is_str(cfg->apps[0].source.project, "12345", "minimal: project id");
	ok(cfg->path == NULL, "config_parse leaves path NULL");
	config_free(cfg);

	for (i = 0; i < MT_ARRAY_LEN(loopbacks); i++) {
		doc = xasprintf("{\"registry\": \"%s\", \"plain_http\": true, "
		    "\"namespace\": \"m\", \"apps\": [" APP_GH "}]}",
		    loopbacks[i]);
		cfg = parse_ok(doc);
		ok(cfg != NULL && cfg->plain_http, "plain_http allowed for %s",
		    loopbacks[i]);
		config_free(cfg);
		free(doc);
	}
}

/* The built-in default is the documented mirror. */
static void
test_builtin(void)
{
	const char *text = config_default_text();
	struct config *cfg = parse_ok(text);
	const struct app_config *a;

	ok(cfg != NULL, "built-in: parses");
	if (cfg == NULL)
		return;
	is_str(cfg->registry, "ghcr.io", "built-in: registry");
	is_str(cfg->namespace, "this-is-tobi/mirror", "built-in: namespace");
	is_int(cfg->refresh_interval, 600, "built-in: refresh_interval");
	is_int(cfg->max_versions, 10, "built-in: max_versions");
	is_str(config_runner(cfg, "amd64"), "ubuntu-24.04",
	    "built-in: amd64 runner");
	ok(cfg->builder == NULL, "built-in: no builder");
	is_int(cfg->napps, 3, "built-in: three apps");
	a = &cfg->apps[1];
	is_str(a->name, "mostlymatter", "built-in: mostlymatter");
	ok(a->source.type == SOURCE_GITLAB_TAGS, "built-in: gitlab-tags");
	is_str(a->source.base_url, "https://framagit.org", "built-in: framagit");
	is_str(a->source.project, "framasoft/framateam/mostlymatter",
	    "built-in: project");
	is_str(a->include, "^v([0-9]+\\.[0-9]+\\.[0-9]+)-limitless$",
	    "built-in: limitless include");
	is_str(cfg->apps[0].source.repo, "mattermost/mattermost",
	    "built-in: mattermost repo");
	is_str(cfg->apps[2].include, "^v?([0-9]+\\.[0-9]+\\.[0-9]+)$",
	    "built-in: outline include");
	config_free(cfg);
}

/* The dump shows the effective values and parses back to the same. */
static void
test_dump(void)
{
	static const char *const texts[] = {
		NULL,	/* the built-in default */
		"{\"namespace\": \"m\", \"archs\": [\"386\"], \"builder\": "
		"{\"type\": \"github-actions\", \"repo\": \"o/ci\", \"workflow\": "
		"\"17\", \"inputs\": {\"v\": \"{version}\"}},\n \"apps\": [" APP_GH
		", \"image_tag\": \"{tag}\", \"exclude\": \"-rc\\\\.\", "
		"\"builder\": {\"type\": \"exec\", \"argv\": [\"make\", "
		"\"{digest_file}\"], \"timeout\": 60, \"attempts\": 1}}]}",
		"{\"targets\": [{\"name\": \"ghcr\", \"registry\": \"ghcr.io\", "
		"\"namespace\": \"o/m\"}, {\"name\": \"hub\", \"registry\": "
		"\"docker.io\", \"namespace\": \"o\"}],\n \"apps\": [" APP_GH
		", \"targets\": [\"hub\"]}]}",
	};
	struct config *cfg, *again;
	char *d1, *d2;
	size_t i;

	for (i = 0; i < MT_ARRAY_LEN(texts); i++) {
		cfg = parse_ok(texts[i] != NULL ? texts[i] :
		    config_default_text());
		if (!ok(cfg != NULL, "dump %zu: source parses", i))
			continue;
		d1 = config_dump(cfg);
		ok(d1 != NULL && d1[strlen(d1) - 1] == '\n',
		    "dump %zu: ends with a newline", i);
		again = parse_ok(d1);
		ok(again != NULL, "dump %zu: re-parses", i);
		d2 = again != NULL ? config_dump(again) : NULL;
		is_str(d2, d1, "dump %zu: same effective config", i);
		if (i == 0) {
			ok(strstr(d1, "\n  \"targets\": [\n    {\n      "
			    "\"name\": \"ghcr.io\",\n      \"registry\": "
			    "\"ghcr.io\",\n      \"namespace\": "
			    "\"this-is-tobi/mirror\",\n") != NULL,
			    "dump: two-space indent, the effective target "
			    "first, named after its registry");
			ok(strstr(d1, "\"image_tag\": \"{version}\"") != NULL,
			    "dump: image_tag default shown");
			ok(strstr(d1, "\"token_env\": \"GITLAB_TOKEN\"") != NULL,
			    "dump: token_env default shown");
			ok(strstr(d1, "\"builder\"") == NULL,
			    "dump: no builder when none configured");
		} else if (i == 2) {
			ok(again != NULL && again->ntargets == 2 &&
			    again->apps[0].own_targets &&
			    again->apps[0].ntargets == 1 &&
			    again->apps[0].targets[0] == 1,
			    "dump: targets and an app's own survive the round "
			    "trip");
		} else {
			ok(again != NULL && again->apps[0].own_builder != NULL &&
			    again->apps[0].own_builder->timeout == 60 &&
			    again->builder != NULL &&
			    again->builder->ninputs == 1,
			    "dump: builders survive the round trip");
		}
		free(d1);
		free(d2);
		config_free(again);
		config_free(cfg);
	}
}

/* Template placeholder names. */
static void
test_placeholders(void)
{
	static const char *const known[] = {
		"app", "version", "tag", "image_tag", "arch", "platform",
		"image", "staging_ref", "runner", "digest_file",
	};
	size_t i;

	for (i = 0; i < MT_ARRAY_LEN(known); i++)
		ok(config_placeholder_known(known[i], strlen(known[i])),
		    "placeholder {%s} known", known[i]);
	ok(!config_placeholder_known("versio", 6), "prefix is not known");
	ok(!config_placeholder_known("versions", 8), "longer is not known");
	ok(config_placeholder_known("version}", 7), "length bounds the name");
	ok(!config_placeholder_known("", 0), "empty is not known");
}

/* Write a file, creating its directory. */
static void
put_file(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	char *cause = NULL;

	mkdir_p(dir, 0700);
	if (file_write_atomic(path, text, strlen(text), &cause) == -1) {
		printf("# %s\n", cause);
		free(cause);
	}
	free(path);
}

/* A config naming its namespace, to tell the files apart. */
static char *
ns_config(const char *ns)
{
	return xasprintf("{\"namespace\": \"%s\", \"apps\": [" APP_GH "}]}",
	    ns);
}

/* Load with the current environment; the namespace, or the error. */
static char *
load_ns(const char *path)
{
	struct config *cfg;
	char *cause = NULL, *r;

	if (config_load(path, &cfg, &cause) == -1)
		return cause;
	r = xasprintf("%s %s", cfg->namespace,
	    cfg->path != NULL ? "file" : "built-in");
	config_free(cfg);
	return r;
}

/* -c FILE, then $MIRRORTOP_CONFIG, then XDG, then ~/.config, then built-in. */
static void
test_lookup(void)
{
	char tmpl[] = "/tmp/mt-config-XXXXXX";
	char *dir, *xdg, *home, *xdgdir, *homedir, *t, *explicit, *envfile;
	char *got, *want, *big;
	struct config *cfg;
	char *cause;

	if ((dir = mkdtemp(tmpl)) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	xdg = xasprintf("%s/xdg", dir);
	home = xasprintf("%s/home", dir);
	xdgdir = xasprintf("%s/mirrortop", xdg);
	homedir = xasprintf("%s/.config/mirrortop", home);
	explicit = xasprintf("%s/explicit.json", dir);
	envfile = xasprintf("%s/env.json", dir);

	put_file(dir, "explicit.json", t = ns_config("explicit"));
	free(t);
	put_file(dir, "env.json", t = ns_config("env"));
	free(t);
	put_file(xdgdir, "config.json", t = ns_config("xdg"));
	free(t);
	put_file(homedir, "config.json", t = ns_config("home"));
	free(t);
	put_file(dir, "broken.json", "{\"namespace\": \"m\",\n  \"apps\": 3}");

	setenv("MIRRORTOP_CONFIG", envfile, 1);
	setenv("XDG_CONFIG_HOME", xdg, 1);
	setenv("HOME", home, 1);

	got = load_ns(explicit);
	is_str(got, "explicit file", "lookup: explicit path first");
	free(got);
	got = load_ns(NULL);
	is_str(got, "env file", "lookup: then $MIRRORTOP_CONFIG");
	free(got);
	setenv("MIRRORTOP_CONFIG", "", 1);
	got = load_ns(NULL);
	is_str(got, "xdg file", "lookup: empty $MIRRORTOP_CONFIG is unset");
	free(got);
	unsetenv("MIRRORTOP_CONFIG");
	got = load_ns(NULL);
	is_str(got, "xdg file", "lookup: then $XDG_CONFIG_HOME");
	free(got);
	unsetenv("XDG_CONFIG_HOME");
	got = load_ns(NULL);
	is_str(got, "home file", "lookup: then ~/.config");
	free(got);
	setenv("XDG_CONFIG_HOME", xdg, 1);
	t = xasprintf("%s/config.json", xdgdir);
	unlink(t);
	free(t);
	got = load_ns(NULL);
	is_str(got, "this-is-tobi/mirror built-in",
	    "lookup: XDG set but no file: built-in (not ~/.config)");
	free(got);

	if (config_load(NULL, &cfg, &cause) == 0) {
		ok(cfg->path == NULL, "lookup: built-in has no path");
		config_free(cfg);
	} else {
		ok(0, "lookup: built-in loads");
		free(cause);
	}

	t = xasprintf("%s/missing.json", dir);
	setenv("MIRRORTOP_CONFIG", t, 1);
	got = load_ns(NULL);
	want = xasprintf("%s: No such file or directory", t);
	is_str(got, want, "lookup: a named file must exist");
	free(got);
	free(want);
	free(t);
	unsetenv("MIRRORTOP_CONFIG");

	t = xasprintf("%s/broken.json", dir);
	got = load_ns(t);
	want = xasprintf("%s:2:11: apps: expected array, got integer", t);
	is_str(got, want, "lookup: messages name the file read");
	free(got);
	free(want);
	free(t);

	big = xmalloc(1024 * 1024 + 2);
	memset(big, ' ', 1024 * 1024 + 1);
	big[1024 * 1024 + 1] = '\0';
	put_file(dir, "big.json", big);
	free(big);
	t = xasprintf("%s/big.json", dir);
	got = load_ns(t);
	want = xasprintf("%s: larger than 1 MiB", t);
	is_str(got, want, "lookup: files over 1 MiB are refused");
	free(got);
	free(want);
	unlink(t);
	free(t);

	t = xasprintf("%s/broken.json", dir);
	unlink(t);
	free(t);
	unlink(explicit);
	unlink(envfile);
	t = xasprintf("%s/config.json", homedir);
	unlink(t);
	free(t);
	rmdir(xdgdir);
	rmdir(xdg);
	rmdir(homedir);
	t = xasprintf("%s/.config", home);
	rmdir(t);
	free(t);
	rmdir(home);
	ok(rmdir(dir) == 0, "lookup: temp dir cleaned up");
	free(xdg);
	free(home);
	free(xdgdir);
	free(homedir);
	free(explicit);
	free(envfile);
}

/*
 * Undo the roff escapes the man page uses in its JSON blocks (\- and \e).
 * Returns the text of the nth ".ft CR" ... ".ft" block; caller frees.
 */
static char *
man_block(const char *man, int nth)
{
	struct buf b;
	const char *p = man, *end;
	int in = 0, seen = 0;

	buf_init(&b, 0);
	while (*p != '\0') {
		end = strchr(p, '\n');
		if (end == NULL)
			end = p + strlen(p);
		if (!in && strncmp(p, ".ft CR", 6) == 0)
			in = (seen++ == nth);
		else if (in && strncmp(p, ".ft", 3) == 0 && p + 3 == end)
			break;
		else if (in) {
			for (; p < end; p++) {
				if (*p == '\\' && (p[1] == '-' || p[1] == 'e')) {
					p++;
					buf_append(&b, *p == '-' ? "-" : "\\", 1);
				} else
					buf_append(&b, p, 1);
			}
			buf_append(&b, "\n", 1);
		}
		p = *end != '\0' ? end + 1 : end;
	}
	return buf_steal(&b);
}

/* The JSON shown in mirrortop.json(5) is accepted and current. */
static void
test_manpage(void)
{
	const char *src = getenv("MT_SRCDIR");
	char *path, *man, *text, *d1, *d2;
	struct config *cfg, *builtin;
	size_t len;

	path = xasprintf("%s/doc/mirrortop.json.5", src != NULL ? src : "..");
	if (!ok(file_read(path, 1 << 20, &man, &len) == 0, "man page read")) {
		free(path);
		return;
	}
	text = man_block(man, 0);
	cfg = parse_ok(text);
	builtin = parse_ok(config_default_text());
	d1 = cfg != NULL ? config_dump(cfg) : NULL;
	d2 = builtin != NULL ? config_dump(builtin) : NULL;
	is_str(d1, d2, "man page shows the built-in default");
	free(d1);
	free(d2);
	config_free(cfg);
	config_free(builtin);
	free(text);

	text = man_block(man, 1);
	cfg = parse_ok(text);
	ok(cfg != NULL && cfg->napps == 3 && cfg->apps[2].own_builder != NULL,
	    "man page example is a valid configuration");
	config_free(cfg);
	free(text);
	free(man);
	free(path);
}

int
main(void)
{
	test_bad();
	test_effective();
	test_targets();
	test_defaults();
	test_builtin();
	test_dump();
	test_placeholders();
	test_lookup();
	test_manpage();
	return tap_done();
}
