/*
 * tui.h — the ncurses dashboard. Reads the core's model and calls the
 * core's API; never calls curl, jansson or PCRE2 itself.
 */
#ifndef MT_TUI_H
#define MT_TUI_H

struct core;

/* Run the dashboard until the user quits. Returns the exit code. mouse:
 * take clicks and the wheel (else the terminal keeps its selection). */
int	tui_run(struct core *, int mouse);

#endif
