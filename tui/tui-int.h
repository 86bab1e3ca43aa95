/*
 * tui-int.h — the dashboard's internal state, shared by tui.c (loop, keys)
 * and tui-draw.c (drawing). Not for use outside tui/.
 */
#ifndef MT_TUI_INT_H
#define MT_TUI_INT_H

#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

struct core;
struct mt_model;
struct mt_app;
struct mt_version;
struct rx;
struct tui;

enum tui_pane {
	TUI_PANE_APPS = 0,
	TUI_PANE_VERSIONS,
	TUI_NPANES
};

enum tui_mode {
	TUI_MODE_NORMAL = 0,
	TUI_MODE_PROMPT,	/* the `/` filter prompt */
	TUI_MODE_HELP,		/* the help overlay */
};

/* Binding flags: where a binding is active. */
#define TUI_B_APPS	0x01	/* the apps pane has focus */
#define TUI_B_VERSIONS	0x02	/* the versions pane has focus */
#define TUI_B_PANES	(TUI_B_APPS | TUI_B_VERSIONS)
#define TUI_B_WRITE	0x04	/* changes the registry: absent when read-only */
#define TUI_B_HINT	0x08	/* listed on the status line */

#define TUI_MAXKEYS 4

/* One key binding: keys, how it is shown, where it applies, what it does. */
struct tui_binding {
	int		 keys[TUI_MAXKEYS];	/* 0-terminated when shorter */
	const char	*label;			/* "j/Down" */
	const char	*hint;			/* short name for the status line */
	const char	*help;			/* one line for the help overlay */
	int		 flags;
	void		(*fn)(struct tui *, int key);
};

/* A pane's rows after the filter, its selection and scroll offset. */
struct tui_list {
	size_t		*rows;		/* indices into the model, filtered */
	size_t		 nrows;
	size_t		 sel;		/* index into rows */
	size_t		 top;		/* first row drawn */
	int		 height;	/* rows drawn last time */
	char		*filter;	/* pattern as typed (after "!"), or NULL */
	int		 invert;	/* "/!re" */
	struct rx	*rx;
	char		*sel_key;	/* versions: selected version, kept across refreshes */
};

#define TUI_PROMPT_MAX 256

struct tui {
	struct core		*core;
	const struct mt_model	*model;
	int			 read_only;

	const struct tui_binding **keymap;	/* the bindings active in this mode */
	size_t			 nkeymap;

	enum tui_mode		 mode;
	enum tui_pane		 focus;
	struct tui_list		 lists[TUI_NPANES];
	size_t			 app;		/* app shown in the versions pane */
	int			 have_app;

	wchar_t			 prompt[TUI_PROMPT_MAX];
	size_t			 promptlen;
	char			*prompt_old;	/* filter before the prompt opened */
	int			 prompt_old_invert;

	char			*message;	/* status message, one line, or NULL */
	int			 message_error;

	int			 utf8;
	int			 colour;
	int			 quit;
	int			 dirty;		/* redraw on the next round */
	int			 idle_reads;	/* input callbacks that read nothing */
};

/* tui.c */
void		 tui_rows_update(struct tui *);
void		 tui_list_clamp(struct tui_list *);
const struct mt_app *tui_current_app(const struct tui *);
size_t		 tui_active_bindings(const struct tui *, const struct tui_binding **,
		     size_t);
void		 tui_prompt_text(const struct tui *, char *, size_t);

/* tui-draw.c */
void		 tui_draw_init(struct tui *);
void		 tui_draw(struct tui *);
/* Milliseconds until something drawn changes by itself (-1: never). */
long		 tui_draw_next_tick(const struct tui *);

#endif
