/*
 * tui-term.c — what the dashboard asks of the terminal beyond drawing:
 * putting a pull reference on the clipboard (OSC 52), and making the
 * version's upstream page a link (OSC 8) with its URL visible.
 *
 * What is sent is built from the configuration and validated registry
 * values (image, tag, digest) and base64-encoded inside the sequence, so
 * nothing from upstream reaches the terminal raw.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curses.h>

#include "auth.h"
#include "model.h"
#include "release-url.h"
#include "util.h"
#include "tui-int.h"

#define TUI_OSC52_MAX	1024	/* bytes of text put on the clipboard */

/* Write a whole string to the terminal, past curses (it moves no cursor). */
static void
tui_term_write(const char *s)
{
	size_t off = 0, len = strlen(s);
	ssize_t n;

	fflush(stdout);
	while (off < len) {
		n = write(STDOUT_FILENO, s + off, len - off);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
}

/* Put text on the clipboard of the terminal (and of tmux, screen...). */
static void
tui_term_clipboard(const char *text)
{
	char *b64 = auth_base64(text, strlen(text)), *seq;

	if (b64 == NULL)
		return;
	seq = xasprintf("\033]52;c;%s\a", b64);
	tui_term_write(seq);
	free(seq);
	free(b64);
}

/*
 * The selected version's pull reference: IMAGE:TAG@DIGEST when the
 * index digest is known (the tag says which, the digest pins it), else
 * IMAGE:TAG. NULL without a version. Caller frees.
 */
char *
tui_term_pull_ref(const struct tui *t)
{
	const struct tui_list *vl = &t->lists[TUI_PANE_VERSIONS];
	const struct mt_app *a = tui_current_app(t);
	const struct mt_version *v;
	char *raw, *safe;

	if (a == NULL || vl->sel >= vl->nrows ||
	    vl->rows[vl->sel] >= a->nversions)
		return NULL;
	v = &a->versions[vl->rows[vl->sel]];
	if (v->digest != NULL && strncmp(v->digest, "sha256:", 7) == 0)
		raw = xasprintf("%s:%s@%s", a->image, v->image_tag, v->digest);
	else
		raw = xasprintf("%s:%s", a->image, v->image_tag);
	safe = str_oneline(raw, TUI_OSC52_MAX);
	free(raw);
	return safe;
}

/* y: copy the selected version's pull reference, and say what it is. */
void
tui_key_copy(struct tui *t, int key)
{
	char *ref = tui_term_pull_ref(t);

	if (ref == NULL) {
		tui_message(t, 1, "no version selected", NULL);
		return;
	}
	tui_term_clipboard(ref);
	tui_message(t, 0, "copied (OSC 52): ", ref);
	free(ref);
}

/* The selected version, or NULL. */
static const struct mt_version *
tui_term_version(const struct tui *t)
{
	const struct tui_list *vl = &t->lists[TUI_PANE_VERSIONS];
	const struct mt_app *a = tui_current_app(t);

	if (a == NULL || vl->sel >= vl->nrows ||
	    vl->rows[vl->sel] >= a->nversions)
		return NULL;
	return &a->versions[vl->rows[vl->sel]];
}

/* Has the selected version a page? */
int
tui_can_open(const struct tui *t)
{
	const struct mt_version *v = tui_term_version(t);

	return v != NULL && v->html_url != NULL;
}

/*
 * o: the selected version's upstream page on the message line. The URL
 * is shown whole (the terminal's own link detection and copy work on it)
 * and, once drawn, wrapped in an OSC 8 hyperlink. It was validated when
 * read (release-url.h): printable ASCII, no escape can ride on it.
 */
void
tui_key_open(struct tui *t, int key)
{
	const struct mt_version *v = tui_term_version(t);

	(void)key;
	free(t->link_url);
	t->link_url = NULL;
	if (v == NULL) {
		tui_message(t, 1, "no version selected", NULL);
		return;
	}
	if (v->html_url == NULL || !release_url_valid(v->html_url)) {
		tui_message(t, 1, "no upstream page known for ", v->tag);
		return;
	}
	t->link_url = xstrdup(v->html_url);
	tui_message(t, 0, TUI_LINK_PREFIX, t->link_url);
}

void
tui_term_link(struct tui *t)
{
	char *seq;

	if (t->link_url == NULL || t->link_y < 0)
		return;
	/* Save the cursor, write the same text as a link, restore. */
	seq = xasprintf("\0337\033[%d;%dH\033]8;;%s\033\\%s\033]8;;\033\\"
	    "\0338", t->link_y + 1, t->link_x + 1, t->link_url, t->link_url);
	tui_term_write(seq);
	free(seq);
}
