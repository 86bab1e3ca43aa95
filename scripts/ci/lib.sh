#!/bin/sh
# Shared by the action's scripts: the program to run and how to hand an
# output to the workflow. Sourced, not run.

# The mirrortop to run: $MIRRORTOP, else the one on PATH.
# shellcheck disable=SC2034 # used by the scripts that source this file
MT=${MIRRORTOP:-mirrortop}

# Append NAME=VALUE to $GITHUB_OUTPUT (when set) with a delimiter that the
# value cannot contain, so that a multi-line value cannot forge outputs.
ci_output() {
	[ -n "${GITHUB_OUTPUT:-}" ] || return 0
	delim="mirrortop_$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
	printf '%s<<%s\n%s\n%s\n' "$1" "$delim" "$2" "$delim" >>"$GITHUB_OUTPUT"
}

# One line for the job's log, GitHub's annotation syntax when in Actions.
ci_note() {
	if [ -n "${GITHUB_ACTIONS:-}" ]; then
		printf '::notice title=mirrortop::%s\n' "$1"
	else
		printf 'mirrortop: %s\n' "$1" >&2
	fi
}

# The words of a space-separated list input, one per line, checked: app
# names only (letters, digits, . _ -), so nothing reaches a shell.
ci_words() {
	for w in $1; do
		case $w in
		*[!A-Za-z0-9._-]*)
			echo "mirrortop: not an app name: $w" >&2
			return 2
			;;
		esac
		printf '%s\n' "$w"
	done
}
