/*
 * tui-int.h — the dashboard's internal state, shared by tui.c (loop, keys)
 * and tui-draw.c (drawing). Not for use outside tui/.
 */
#ifndef MT_TUI_INT_H
#define MT_TUI_INT_H

#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#include <curses.h>

struct core;
struct mt_model;
struct mt_app;
struct mt_version;
struct rx;
struct tui;
struct tui_events;

enum tui_pane {
	TUI_PANE_APPS = 0,
	TUI_PANE_VERSIONS,
	TUI_PANE_JOBS,
	TUI_NPANES
};

enum tui_mode {
	TUI_MODE_NORMAL = 0,
	TUI_MODE_PROMPT,	/* the `/` filter prompt */
	TUI_MODE_HELP,		/* the help overlay */
	TUI_MODE_CONFIRM,	/* what an action will do, y/N */
	TUI_MODE_ARCH,		/* pick one arch to build */
	TUI_MODE_LOG,		/* a job's log */
	TUI_MODE_EVENTS,	/* the recent events (mode-events.c) */
};

/* How the apps are sorted (s cycles). */
enum tui_sort {
	TUI_SORT_CONFIG = 0,	/* as configured */
	TUI_SORT_NAME,		/* by name */
	TUI_SORT_MISSING,	/* most versions not complete first */
	TUI_SORT_NEWEST,	/* newest upstream release first */
	TUI_NSORTS
};

/* What a confirm dialog does when the answer is yes. */
enum tui_confirm_kind {
	TUI_CONFIRM_BUILD = 0,
	TUI_CONFIRM_MERGE,
	TUI_CONFIRM_LATEST,
	TUI_CONFIRM_PRUNE,
	TUI_CONFIRM_CANCEL,
	TUI_CONFIRM_QUIT,
	TUI_CONFIRM_INFO,	/* only shows: every key closes */
	TUI_CONFIRM_ATTEST,
	TUI_CONFIRM_COPY,
};

/* Binding flags: where a binding is active. */
#define TUI_B_APPS	0x01	/* the apps pane has focus */
#define TUI_B_VERSIONS	0x02	/* the versions pane has focus */
#define TUI_B_PANES	(TUI_B_APPS | TUI_B_VERSIONS)
#define TUI_B_WRITE	0x04	/* builds or writes: absent when read-only */
#define TUI_B_HINT	0x08	/* listed on the status line */
#define TUI_B_JOBS	0x10	/* the jobs pane has focus */
#define TUI_B_ALL	(TUI_B_PANES | TUI_B_JOBS)

#define TUI_MAXKEYS 4
#define TUI_JOBS_TAIL	3	/* lines of a job's output under the jobs */

/* One key binding: keys, how it is shown, where it applies, what it does. */
struct tui_binding {
	int		 keys[TUI_MAXKEYS];	/* 0-terminated when shorter */
	const char	*label;			/* "j/Down" */
	const char	*help_label;		/* in the help, when not label */
	const char	*hint;			/* short name for the status line */
	const char	*help;			/* one line for the help overlay */
	int		 flags;
	void		(*fn)(struct tui *, int key);
	/* Whether it acts on what is selected now (NULL: always); the
	 * status line offers only those. */
	int		(*can)(const struct tui *);
	int		 prio;		/* status line order, lowest first */
};

/* A pane's rows after the filter, its selection and scroll offset. */
struct tui_list {
	size_t		*rows;		/* indices into the model, filtered */
	size_t		 nrows;
	size_t		 sel;		/* index into rows */
	size_t		 top;		/* first row drawn */
	int		 height;	/* rows drawn last time */
	int		 y0;		/* screen line of the first row drawn
					 * last time; -1: not on screen */
	char		*filter;	/* pattern as typed (after "!"), or NULL */
	int		 invert;	/* "/!re" */
	struct rx	*rx;
	char		*sel_key;	/* versions: selected version, kept across refreshes */
};

#define TUI_PROMPT_MAX 256

/* A version marked with space, for B. */
struct tui_mark {
	char			*app;
	char			*version;
};

/* The confirm dialog: the text shown and what yes does. */
struct tui_confirm {
	enum tui_confirm_kind	 kind;
	char			*title;
	char			**lines;	/* sanitized, one per row */
	size_t			 nlines;
	size_t			 top;		/* first line drawn */
	int			 height;	/* lines drawn last time */
	struct tui_mark		*targets;	/* app/version pairs */
	size_t			 ntargets;
	char			*arch;		/* NULL: every missing arch */
	struct plan		*plan;		/* what y applies (owned) */
	unsigned long		*job_ids;
	size_t			 njob_ids;
	unsigned long		 request;	/* dry run in flight, or 0 */
	int			 ready;		/* y may run it */
};

/* The log view: the tail of one job's log file. */
struct tui_log {
	unsigned long		 job_id;
	char			**lines;	/* sanitized */
	size_t			 nlines;
	size_t			 top;
	int			 height;
	int			 follow;	/* keep the end in view */
	int			 xoff;		/* columns scrolled right */
	long long		 size;		/* of the file when read */
	long long		 mtime_ns;
	int			 truncated;	/* only the tail was read */
	char			*error;		/* why it cannot be read */
};

struct tui {
	struct core		*core;
	const struct mt_model	*model;
	int			 read_only;

	const struct tui_binding **keymap;	/* the bindings active in this mode */
	size_t			 nkeymap;

	enum tui_mode		 mode;
	enum tui_pane		 focus;
	int			 mouse;		/* clicks and the wheel are ours */
	char			*link_url;	/* o: the page on the message line */
	int			 link_y, link_x; /* where it was drawn; -1 */
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

	/* The control panel (read-write mode only). */
	struct tui_confirm	 confirm;
	size_t			 arch_sel;	/* the arch picker's row */
	struct tui_log		 log;
	struct tui_mark		*marks;
	size_t			 nmarks;
	size_t			 help_top;	/* first help row drawn */
	int			 help_height;	/* help rows drawn last time */
	int			 jobs_hidden;	/* J: hide the jobs pane */
	int			 jobs_delta;	/* +/-: rows added to the jobs pane */
	int			 jobs_zoom;	/* z: the jobs pane takes the screen */
	int			 incomplete;	/* i: only what is not complete */
	int			 sort;		/* s: enum tui_sort */
	unsigned long		 jobs_sel_id;	/* selected job, kept across changes */
	unsigned long		 jobs_newest_id;	/* newest job seen */
	int			 jobs_scrolled;	/* the user moved off the newest */
	int			 jobs_room;	/* the screen has room for the pane */
	char			*tail_path;	/* log whose tail the pane shows */
	int			 tail_other;	/* of another process's active job */
	long long		 tail_size;
	long long		 tail_mtime_ns;
	struct tui_events	*events;	/* mode-events.c */
};

/* tui.c */
void		 tui_message(struct tui *, int, const char *, const char *);
void		 tui_move(struct tui *, long);
long		 tui_scroll_step(wint_t, int, long, int);
void		 tui_rows_update(struct tui *);
void		 tui_list_clamp(struct tui_list *);
const struct mt_app *tui_current_app(const struct tui *);
size_t		 tui_active_bindings(const struct tui *, const struct tui_binding **,
		     size_t);
void		 tui_prompt_text(const struct tui *, char *, size_t);
const char	*tui_sort_name(int);

/* tui-panel.c */
void		 tui_panel_init(struct tui *);
void		 tui_panel_free(struct tui *);
int		 tui_panel_jobs_shown(const struct tui *);
size_t		 tui_panel_njobs(const struct tui *);
int		 tui_panel_arch_job(const struct tui *, const struct mt_app *,
		     const struct mt_version *, const char *);
void		 tui_panel_jobs_update(struct tui *);
int		 tui_panel_marked(const struct tui *, const char *, const char *);
void		 tui_panel_version_jobs(const struct tui *, const struct mt_app *,
		     const struct mt_version *, char *, size_t, int *);
void		 tui_panel_key(struct tui *, wint_t, int);
long		 tui_panel_poll_ms(const struct tui *);
long		 tui_panel_tick_ms(const struct tui *);
int		 tui_panel_logs_changed(struct tui *);
int		 tui_panel_quit(struct tui *);
void		 tui_key_build(struct tui *, int);
void		 tui_key_arch(struct tui *, int);
void		 tui_key_merge(struct tui *, int);
void		 tui_key_latest(struct tui *, int);
/* tui-prune.c: P, the app's prune plan in the dialog */
void		 tui_key_prune(struct tui *, int);
int		 tui_can_prune(const struct tui *);
/* Open the confirm dialog with the plan of req (made on the loop). */
struct plan_request;
void		 tui_plan_confirm(struct tui *, enum tui_confirm_kind,
		     const char *title, const struct plan_request *);
/* The plan (what: enum plan_what) of one app, or of one version of it
 * (v not NULL), titled "VERB APP [VERSION]", in the confirm dialog. */
struct mt_app;
struct mt_version;
void		 tui_plan_confirm_one(struct tui *, enum tui_confirm_kind,
		     int what, const char *verb, const struct mt_app *,
		     const struct mt_version *);
void		 tui_key_mark(struct tui *, int);
void		 tui_key_build_marked(struct tui *, int);
void		 tui_key_cancel(struct tui *, int);
void		 tui_key_log(struct tui *, int);
void		 tui_key_retry(struct tui *, int);
int		 tui_can_build(const struct tui *);
int		 tui_can_arch(const struct tui *);
int		 tui_can_merge(const struct tui *);
int		 tui_can_latest(const struct tui *);
int		 tui_can_version(const struct tui *);
int		 tui_can_build_marked(const struct tui *);
int		 tui_can_cancel(const struct tui *);
int		 tui_can_retry(const struct tui *);
int		 tui_can_log(const struct tui *);
void		 tui_key_jobs(struct tui *, int);
void		 tui_key_jobs_size(struct tui *, int);
void		 tui_key_jobs_zoom(struct tui *, int);
void		 tui_draw_jobs(struct tui *, int, int, int);
void		 tui_draw_panel_overlay(struct tui *);
void		 tui_draw_log(struct tui *, int, int, int);
/* Show text in a dialog that every key closes (made safe). */
void		 tui_panel_info(struct tui *, const char *title,
		     const char *text);


/* tui-supply.c */
void		 tui_key_attest(struct tui *, int);
int		 tui_can_attest(const struct tui *);
void		 tui_key_supply(struct tui *, int);
int		 tui_can_supply(const struct tui *);
char		*tui_supply_text(const struct mt_app *,
		     const struct mt_version *);

/* tui-copy.c: C, the version's copy to the mirror targets */
void		 tui_key_copy_target(struct tui *, int);
int		 tui_can_copy_target(const struct tui *);

/* tui-term.c */
char		*tui_term_pull_ref(const struct tui *);
void		 tui_key_copy(struct tui *, int);
/* o: show the selected version's upstream page, as a link (OSC 8). */
void		 tui_key_open(struct tui *, int);
int		 tui_can_open(const struct tui *);
/* After a redraw: make the page on the message line a link. */
void		 tui_term_link(struct tui *);
#define TUI_LINK_PREFIX	"release page: "

/* mode-events.c */
void		 tui_events_init(struct tui *);
void		 tui_events_free(struct tui *);
int		 tui_events_poll(struct tui *);
long		 tui_events_poll_ms(const struct tui *);
int		 tui_events_unseen(const struct tui *, const char *, const char *);
const char	*tui_events_glyph(const struct tui *);
void		 tui_events_look(struct tui *);
void		 tui_key_events(struct tui *, int);
void		 tui_events_key(struct tui *, wint_t, int);
void		 tui_events_draw(struct tui *, int, int, int);

/* tui-draw.c */
int		 tui_put(WINDOW *, int, int, int, const char *, attr_t, int);
int		 tui_put_cut(WINDOW *, int, int, int, const char *, attr_t, int);
int		 tui_width(const char *);
void		 tui_draw_title(int, int, const char *, int);
attr_t		 tui_attr_busy(void);
int		 tui_pane_focused(const struct tui *, int);
attr_t		 tui_attr_error(void);
const char	*tui_glyph_state(int);
const char	*tui_glyph_mark(void);
void		 tui_draw_init(struct tui *);
void		 tui_draw(struct tui *);
/* Milliseconds until something drawn changes by itself (-1: never). */
long		 tui_draw_next_tick(const struct tui *);

#endif
