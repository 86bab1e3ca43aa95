/*
 * complete.h — `mirrortop __complete WORD... CURRENT`: the candidates for
 * the word being completed, one per line, for the bash, zsh and fish
 * completion scripts. Offline and fast: it reads the configuration and the
 * last status (last-status.h), never the network.
 *
 * The commands and their options come from the command line's own table
 * (main.c), described to this module with the structures below, so the
 * completion cannot disagree with what the parser accepts.
 *
 * Output: one candidate per line, optionally followed by a tab and a short
 * description; or the single line ":files" when the word is a file name
 * (the shell completes it itself).
 */
#ifndef MT_COMPLETE_H
#define MT_COMPLETE_H

#include <stddef.h>
#include <stdio.h>

struct complete_option {
	const char	*name;		/* "--json", "-c" */
	/*
	 * The value's kind, NULL for a flag: "FILE", "ARCH", "APP",
	 * "VERSION", or alternatives "a|b|c" offered literally; anything
	 * else (SECONDS) has no candidates.
	 */
	const char	*arg;
	const char	*help;		/* one line, or NULL */
};

struct complete_command {
	const char			*name;
	const char			*help;
	/* Positional words: "APP...", "APP VERSION", "check". */
	const char			*args;
	const struct complete_option	*options;
	size_t				 noptions;
};

/*
 * Complete words[nwords - 1] (nwords >= 1; the words after the program
 * name). dashboard describes the options when no command is given.
 * Returns the exit status.
 */
int	complete_run(FILE *, const struct complete_command *cmds, size_t ncmds,
	    const struct complete_command *dashboard, char **words,
	    int nwords);

#endif
