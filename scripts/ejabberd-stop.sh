#!/usr/bin/env bash
# Stops the ejabberd started by scripts/ejabberd-start.sh (found through $PORTICO_EJABBERD_DIR/ejabberd.pid) and
# waits until its Erlang VM has exited. Leaves every other process alone. Succeeds when nothing was running.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

readonly dir="$PORTICO_EJABBERD_DIR"
readonly pidfile="$dir/ejabberd.pid"
readonly stop_timeout_seconds=30

sudo=()
((EUID == 0)) || sudo=(sudo)

if [[ ! -e "$pidfile" ]]; then
	portico_log "ejabberd not running (no $pidfile)"
	exit 0
fi
if ! pid="$(portico_ejabberd_pid)"; then
	portico_log "ejabberd not running (stale $pidfile removed)"
	rm -f "$pidfile" "$dir/running-settings"
	exit 0
fi

wait_gone() { # seconds
	local tenths
	for ((tenths = 0; tenths < $1 * 10; tenths++)); do
		portico_alive "$pid" || return 0
		sleep 0.1
	done
	return 1
}

# `ejabberdctl stop` closes the sessions and Mnesia cleanly; SIGTERM (the VM's init:stop) if it cannot be reached.
"${sudo[@]}" ejabberdctl --config-dir "$dir" --ctl-config "$dir/ejabberdctl.cfg" --logs "$dir/logs" \
	--spool "$dir/spool" stop >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
if ! wait_gone "$stop_timeout_seconds"; then
	portico_log "ejabberd pid $pid still runs ${stop_timeout_seconds}s after stop; sending SIGTERM, then SIGKILL"
	kill -TERM "$pid" 2>/dev/null || true
	wait_gone 10 || kill -KILL "$pid" 2>/dev/null || true
	wait_gone 5 || portico_die "ejabberd pid $pid survived SIGKILL"
fi
rm -f "$pidfile" "$dir/running-settings"
portico_log "ejabberd stopped (pid $pid)"
