/*
 * complete.c — shell completion candidates from the command table, the
 * effective configuration and the last status; never the network.
 */
#include <stdlib.h>
#include <string.h>

#include "complete.h"
#include "config.h"
#include "last-status.h"
#include "util.h"

#define COMPLETE_MAX_POSITIONALS 64

struct complete_state {
	FILE				*f;
	const struct complete_command	*cmd;		/* NULL: the dashboard */
	const char			*config_path;
	struct config			*cfg;
	int				 cfg_tried;
	const char			*pos[COMPLETE_MAX_POSITIONALS];
	int				 npos;
};

/* The effective configuration, loaded once; NULL when it does not load. */
static struct config *
complete_config(struct complete_state *s)
{
	char *cause = NULL;

	if (!s->cfg_tried) {
		s->cfg_tried = 1;
		if (config_load(s->config_path, &s->cfg, &cause) == -1) {
			free(cause);
			s->cfg = NULL;
		}
	}
	return s->cfg;
}

/* Print one candidate if it starts with prefix. */
static void
complete_put(struct complete_state *s, const char *lead, const char *word,
    const char *help, const char *prefix)
{
	size_t llen = strlen(lead);

	if (strncmp(prefix, lead, llen < strlen(prefix) ? llen :
	    strlen(prefix)) != 0)
		return;
	if (strlen(prefix) > llen && !str_has_prefix(word, prefix + llen))
		return;
	if (help != NULL && *help != '\0')
		fprintf(s->f, "%s%s\t%s\n", lead, word, help);
	else
		fprintf(s->f, "%s%s\n", lead, word);
}

/* Find an option of cmd by the part of word before any '='. */
static const struct complete_option *
complete_find_option(const struct complete_command *cmd, const char *word)
{
	size_t i, len = strcspn(word, "=");

	for (i = 0; i < cmd->noptions; i++) {
		const char *n = cmd->options[i].name;

		if (strlen(n) == len && strncmp(n, word, len) == 0)
			return &cmd->options[i];
	}
	return NULL;
}

/* Whether an app of that name was already named on the line. */
static int
complete_named(struct complete_state *s, const char *name)
{
	int i;

	for (i = 0; i < s->npos; i++)
		if (strcmp(s->pos[i], name) == 0)
			return 1;
	return 0;
}

/* Candidates for a value of kind (an option's argument or a positional). */
static void
complete_kind(struct complete_state *s, const char *kind, const char *app,
    int exclude_named, const char *lead, const char *prefix)
{
	struct config *cfg;
	size_t i, j, k, n;
	char **versions, *image;

	if (strcmp(kind, "FILE") == 0) {
		fputs(":files\n", s->f);
		return;
	}
	if (strchr(kind, '|') != NULL || (kind[0] >= 'a' && kind[0] <= 'z')) {
		/* Literal alternatives. */
		const char *p = kind;

		while (*p != '\0') {
			size_t len = strcspn(p, "|");
			char *w = xstrndup(p, len);

			complete_put(s, lead, w, NULL, prefix);
			free(w);
			p += len;
			if (*p == '|')
				p++;
		}
		return;
	}
	if ((cfg = complete_config(s)) == NULL)
		return;
	if (strcmp(kind, "APP") == 0) {
		for (i = 0; i < cfg->napps; i++)
			if (!exclude_named ||
			    !complete_named(s, cfg->apps[i].name))
				complete_put(s, lead, cfg->apps[i].name,
				    NULL, prefix);
	} else if (strcmp(kind, "ARCH") == 0) {
		for (i = 0; i < cfg->napps; i++) {
			for (j = 0; j < cfg->apps[i].narchs; j++) {
				const char *a = cfg->apps[i].archs[j];

				/* Each arch once, in first-seen order. */
				for (k = 0; k < i; k++) {
					size_t m;

					for (m = 0; m < cfg->apps[k].narchs; m++)
						if (strcmp(cfg->apps[k].archs[m],
						    a) == 0)
							break;
					if (m < cfg->apps[k].narchs)
						break;
				}
				if (k < i)
					continue;
				for (k = 0; k < j; k++)
					if (strcmp(cfg->apps[i].archs[k], a) == 0)
						break;
				if (k == j)
					complete_put(s, lead, a, NULL, prefix);
			}
		}
	} else if (strcmp(kind, "VERSION") == 0 && app != NULL) {
		for (i = 0; i < cfg->napps; i++)
			if (strcmp(cfg->apps[i].name, app) == 0)
				break;
		if (i == cfg->napps)
			return;
		image = xasprintf("%s/%s/%s", cfg->registry, cfg->namespace,
		    cfg->apps[i].image);
		if (last_status_versions(image, &versions, &n) == 0) {
			for (j = 0; j < n; j++)
				complete_put(s, lead, versions[j], NULL, prefix);
			last_status_free(versions);
		}
		free(image);
	}
}

/* Candidates for the next positional word of the command. */
static void
complete_positional(struct complete_state *s, const char *cur)
{
	const char *spec = s->cmd->args != NULL ? s->cmd->args : "";
	const char *app = NULL, *p = spec;
	char *tok = NULL;
	int idx = 0, repeat = 0;

	while (*p != '\0') {
		size_t len;

		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		len = strcspn(p, " ");
		free(tok);
		tok = xstrndup(p, len);
		p += len;
		/* Brackets mark optional words: the same candidates. */
		if (tok[0] == '[') {
			memmove(tok, tok + 1, strlen(tok));
			tok[strcspn(tok, "]")] = '\0';
		}
		len = strlen(tok);
		repeat = len > 3 && strcmp(tok + len - 3, "...") == 0;
		if (repeat)
			tok[len - 3] = '\0';
		if (idx == s->npos || repeat)
			break;
		if (strcmp(tok, "APP") == 0)
			app = s->pos[idx];
		idx++;
		free(tok);
		tok = NULL;
	}
	if (tok != NULL && (idx == s->npos || repeat))
		complete_kind(s, tok, app, repeat, "", cur);
	free(tok);
}

int
complete_run(FILE *f, const struct complete_command *cmds, size_t ncmds,
    const struct complete_command *dashboard, char **words, int nwords)
{
	struct complete_state s;
	const struct complete_command *opts;
	const struct complete_option *o, *pending = NULL;
	const char *cur;
	size_t i;
	int w, dashdash = 0;

	if (nwords < 1)
		return 2;
	memset(&s, 0, sizeof s);
	s.f = f;
	cur = words[nwords - 1];
	for (w = 0; w < nwords - 1; w++) {
		const char *a = words[w];

		opts = s.cmd != NULL ? s.cmd : dashboard;
		if (pending != NULL) {
			if (strcmp(pending->arg, "FILE") == 0 &&
			    (strcmp(pending->name, "-c") == 0 ||
			    strcmp(pending->name, "--config") == 0))
				s.config_path = a;
			pending = NULL;
			continue;
		}
		if (!dashdash && a[0] == '-' && a[1] != '\0') {
			if (strcmp(a, "--") == 0) {
				dashdash = 1;
				continue;
			}
			o = complete_find_option(opts, a);
			if (o == NULL && s.cmd != NULL)
				o = complete_find_option(dashboard, a);
			if (o != NULL && o->arg != NULL) {
				if (strchr(a, '=') == NULL)
					pending = o;
				else if (strcmp(o->name, "--config") == 0)
					s.config_path = strchr(a, '=') + 1;
			}
			continue;
		}
		if (s.cmd == NULL && s.npos == 0) {
			for (i = 0; i < ncmds; i++)
				if (strcmp(cmds[i].name, a) == 0)
					s.cmd = &cmds[i];
			if (s.cmd != NULL)
				continue;
		}
		if (s.npos < COMPLETE_MAX_POSITIONALS)
			s.pos[s.npos++] = a;
	}
	opts = s.cmd != NULL ? s.cmd : dashboard;
	if (pending != NULL) {
		complete_kind(&s, pending->arg, s.npos > 0 ? s.pos[0] : NULL,
		    0, "", cur);
	} else if (!dashdash && cur[0] == '-') {
		const char *eq = strchr(cur, '=');

		if (eq != NULL && (o = complete_find_option(opts, cur)) != NULL &&
		    o->arg != NULL) {
			char *lead = xstrndup(cur, (size_t)(eq - cur) + 1);

			complete_kind(&s, o->arg, s.npos > 0 ? s.pos[0] : NULL,
			    0, lead, cur);
			free(lead);
		} else {
			for (i = 0; i < opts->noptions; i++)
				complete_put(&s, "", opts->options[i].name,
				    opts->options[i].help, cur);
		}
	} else if (s.cmd == NULL) {
		if (s.npos == 0)
			for (i = 0; i < ncmds; i++)
				complete_put(&s, "", cmds[i].name, cmds[i].help,
				    cur);
	} else
		complete_positional(&s, cur);
	config_free(s.cfg);
	return ferror(f) ? 1 : 0;
}
