# shellcheck shell=bash
# Sourced by the tmux screen tests: tearing a tmux server down without
# orphans, and a watchdog so a hung test fails instead of stalling make check.

# screen_reap TMUX SOCKET: kill what runs in the panes, then the server.
# A sanitizer build that exits on the server's SIGHUP can be left spinning,
# orphaned, so the pane programs go first, with SIGKILL.
screen_reap() {
	local p
	for p in $("$1" -L "$2" list-panes -a -F '#{pane_pid}' 2>/dev/null); do
		pkill -KILL -P "$p" 2>/dev/null
		kill -KILL "$p" 2>/dev/null
	done
	"$1" -L "$2" kill-server 2>/dev/null
}

# screen_watchdog SECONDS LABEL: after SECONDS, the test fails with a line
# saying so (its EXIT trap still runs). Sets $watchdog; kill it on cleanup.
screen_watchdog() {
	# The message is built now, from the arguments.
	# shellcheck disable=SC2064
	trap "echo \"$2: FAIL: over $1 s, stopped by the watchdog\" >&2; exit 1" TERM
	( sleep "$1" & s=$!; trap 'kill $s; exit' TERM; wait $s && kill -TERM $$ ) \
		2>/dev/null &
	# shellcheck disable=SC2034 # the caller's variable
	watchdog=$!
}
