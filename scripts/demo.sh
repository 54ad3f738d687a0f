#!/usr/bin/env bash
# The demo in one command: starts the local Prosody, builds and starts Portico, prints the URL to open.
# Ctrl-C stops Portico and the Prosody it started. First installs the system packages the demo needs when they are
# missing (scripts/prerequisites.sh, purpose "demo"), asking for root only then.
#
#   scripts/demo.sh [arguments for Portico]
#
# Users (password = name + "pw"): alice/alicepw, bob/bobpw, carol/carolpw, mutual contacts, on $PORTICO_DOMAIN.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
# shellcheck source=scripts/prerequisites.sh
source "$PORTICO_HOME/scripts/prerequisites.sh"
cd "$PORTICO_HOME"

readonly portico_start_timeout_seconds=60
# Ctrl-C drains Portico like SIGTERM in production, waiting at most admin.drainGrace for BOSH clients to collect
# their system-shutdown answer; a page that was closed never does. The demo waits 5 s for that, not production's
# 30 s, unless PORTICO_CFG_ADMIN_DRAINGRACE says otherwise, and gives the drain that long plus 10 s to finish.
export PORTICO_CFG_ADMIN_DRAINGRACE="${PORTICO_CFG_ADMIN_DRAINGRACE:-5s}"
# Whole seconds, rounded up, of a duration in the configuration's own form (250ms, 30s, 5m, 1h).
portico_seconds() {
	local value="${1,,}"
	case "$value" in
		*ms) echo $(((${value%ms} + 999) / 1000)) ;;
		*s) echo "${value%s}" ;;
		*m) echo $((${value%m} * 60)) ;;
		*h) echo $((${value%h} * 3600)) ;;
		*) portico_die "PORTICO_CFG_ADMIN_DRAINGRACE must be a duration such as 5s, 1m or 500ms, was '$1'" ;;
	esac
}
readonly portico_stop_timeout_seconds=$(($(portico_seconds "$PORTICO_CFG_ADMIN_DRAINGRACE") + 10))
portico_pid=""
started_upstream=false

# shellcheck disable=SC2317 # called by the trap below
cleanup() {
	trap - EXIT INT TERM
	# Ctrl-C also ends a reader of our output (scripts/demo.sh | tee demo.log): writing to it must not stop us here.
	trap '' PIPE
	if [[ -n "$portico_pid" ]] && portico_alive "$portico_pid"; then
		portico_log "stopping Portico (pid $portico_pid)"
		kill -TERM "$portico_pid" 2>/dev/null || true
		for ((tenths = 0; tenths < portico_stop_timeout_seconds * 10; tenths++)); do
			portico_alive "$portico_pid" || break
			sleep 0.1
		done
		if portico_alive "$portico_pid"; then
			portico_log "Portico did not stop within ${portico_stop_timeout_seconds}s of SIGTERM; killing it"
			kill -KILL "$portico_pid" 2>/dev/null || true
		fi
		wait "$portico_pid" 2>/dev/null || true
	fi
	if $started_upstream; then
		bash "$PORTICO_HOME/scripts/upstream-stop.sh" || true
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

portico_prerequisites demo

if portico_port_open "$PORTICO_HTTP_PORT"; then
	portico_die "port 127.0.0.1:$PORTICO_HTTP_PORT is already taken; choose another with PORTICO_HTTP_PORT"
fi

if portico_upstream_pid >/dev/null; then
	bash "$PORTICO_HOME/scripts/upstream-start.sh" # checks it runs with our settings
	portico_log "using the upstream that was already running; it stays up after the demo"
else
	started_upstream=true
	bash "$PORTICO_HOME/scripts/upstream-start.sh"
fi

bash "$PORTICO_HOME/scripts/portico-run.sh" --build-only
# portico-run.sh execs java, so this pid is Portico's.
bash "$PORTICO_HOME/scripts/portico-run.sh" --no-build "$@" &
portico_pid=$!

for ((tenths = 0; tenths < portico_start_timeout_seconds * 10; tenths++)); do
	if ! portico_alive "$portico_pid"; then
		status=0
		wait "$portico_pid" || status=$?
		portico_die "Portico exited during start-up (status $status)"
	fi
	portico_port_open "$PORTICO_HTTP_PORT" && break
	sleep 0.1
done
portico_port_open "$PORTICO_HTTP_PORT" \
	|| portico_die "Portico did not listen on port $PORTICO_HTTP_PORT within ${portico_start_timeout_seconds}s"

cat >&2 <<EOF

  Portico demo:  http://localhost:$PORTICO_HTTP_PORT/
  Sign in as alice / alicepw, bob / bobpw or carol / carolpw (domain $PORTICO_DOMAIN).
  Upstream: Prosody on 127.0.0.1:$PORTICO_XMPP_PORT (its own BOSH/WebSocket on port $PORTICO_UPSTREAM_HTTP_PORT).
  Press Ctrl-C to stop.

EOF

status=0
wait "$portico_pid" || status=$?
portico_pid=""
exit "$status"
