#!/usr/bin/env bash
# Stops the Prosody started by scripts/upstream-start.sh (found through $PORTICO_RUN_DIR/prosody/prosody.pid) and
# waits until it has exited. Leaves every other process alone. Succeeds when nothing was running.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

readonly pidfile="$PORTICO_PROSODY_DIR/prosody.pid"
readonly stop_timeout_seconds=15

if [[ ! -e "$pidfile" ]]; then
	portico_log "upstream not running (no $pidfile)"
	exit 0
fi
if ! pid="$(portico_upstream_pid)"; then
	portico_log "upstream not running (stale $pidfile removed)"
	rm -f "$pidfile" "$PORTICO_PROSODY_DIR/running-settings"
	exit 0
fi

# SIGTERM makes Prosody close its sessions and flush its storage.
kill -TERM "$pid" 2>/dev/null || true
for ((tenths = 0; tenths < stop_timeout_seconds * 10; tenths++)); do
	portico_alive "$pid" || break
	sleep 0.1
done
if portico_alive "$pid"; then
	portico_log "Prosody pid $pid ignored SIGTERM for ${stop_timeout_seconds}s; killing it"
	kill -KILL "$pid" 2>/dev/null || true
	for ((tenths = 0; tenths < 50; tenths++)); do
		portico_alive "$pid" || break
		sleep 0.1
	done
	portico_alive "$pid" && portico_die "Prosody pid $pid survived SIGKILL"
fi
rm -f "$pidfile" "$PORTICO_PROSODY_DIR/running-settings"
portico_log "upstream stopped (pid $pid)"
