# source me: tmux helpers for QA. S=server name
S=${S:-qa$$}
tnew() { # W H cmd...
  local w=$1 h=$2; shift 2
  tmux -L $S -f /dev/null new-session -d -x $w -y $h -s main "$@"
  tmux -L $S set -g remain-on-exit on 2>/dev/null
}
tk() { tmux -L $S send-keys -t main "$@"; }
tcap() { tmux -L $S capture-pane -t main -p "$@"; }
tkill() { tmux -L $S kill-server 2>/dev/null; }
tpid() { tmux -L $S list-panes -t main -F '#{pane_pid} #{pane_dead} #{pane_dead_status}'; }
