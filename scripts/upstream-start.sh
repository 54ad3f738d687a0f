#!/usr/bin/env bash
# Starts the local upstream XMPP server (Prosody) on loopback, in the background, and returns once it accepts
# client connections. Idempotent: when our Prosody is already running it only says so.
#
#   scripts/upstream-start.sh [--fresh]
#
#   --fresh   wipe the upstream's data (accounts, rosters, archives, uploads) before starting, so a test run
#             begins from a known state; ignored when the upstream is already running.
#
# Installs what it needs when missing (scripts/prerequisites.sh, purpose "upstream"). Everything it writes lives in
# $PORTICO_RUN_DIR/prosody: prosody.cfg.lua (rendered from conf/prosody.cfg.lua.template), certs/, data/,
# groups.txt, prosody.log, prosody.err, console.log and prosody.pid. Accounts (password = name + "pw"):
# alice, bob, carol (mutual contacts) and test1..test$PORTICO_TEST_USERS, all @$PORTICO_DOMAIN.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
# shellcheck source=scripts/prerequisites.sh
source "$PORTICO_HOME/scripts/prerequisites.sh"

fresh=false
for arg in "$@"; do
	case "$arg" in
		--fresh) fresh=true ;;
		*) portico_die "unknown argument '$arg' (usage: upstream-start.sh [--fresh])" ;;
	esac
done

readonly dir="$PORTICO_PROSODY_DIR"
readonly config="$dir/prosody.cfg.lua"
readonly pidfile="$dir/prosody.pid"
readonly start_timeout_seconds=30
readonly demo_users=(alice bob carol)
# Prosody's own default_iteration_count, as prosodyctl register would use it
readonly scram_iterations=10000

render_config() {
	local escaped_dir="${dir//&/\\&}"
	escaped_dir="${escaped_dir//|/\\|}"
	local plugin_dir="$PORTICO_HOME/conf/prosody-plugins"
	[[ "$plugin_dir" != *[\"\\$'\n']* ]] || portico_die "the checkout path $PORTICO_HOME cannot be written into Prosody's config"
	plugin_dir="${plugin_dir//&/\\&}"
	plugin_dir="${plugin_dir//|/\\|}"
	sed -e "s|@PROSODY_DIR@|$escaped_dir|g" \
		-e "s|@PLUGIN_DIR@|$plugin_dir|g" \
		-e "s|@DOMAIN@|$PORTICO_DOMAIN|g" \
		-e "s|@XMPP_PORT@|$PORTICO_XMPP_PORT|g" \
		-e "s|@UPSTREAM_HTTP_PORT@|$PORTICO_UPSTREAM_HTTP_PORT|g" \
		-e "s|@LOG_LEVEL@|$PORTICO_PROSODY_LOG_LEVEL|g" \
		"$PORTICO_HOME/conf/prosody.cfg.lua.template" >"$config.tmp"
	mv "$config.tmp" "$config"
	{
		printf '[Demo]\n'
		local user
		for user in "${demo_users[@]}"; do
			printf '%s@%s=%s\n' "$user" "$PORTICO_DOMAIN" "${user^}"
		done
	} >"$dir/groups.txt"
}

# Self-signed certificate for the domain and its components; kept across runs so a trust file handed out once
# stays valid.
make_certificate() {
	local crt="$PORTICO_UPSTREAM_CA" key="$dir/certs/$PORTICO_DOMAIN.key"
	if [[ -s "$crt" && -s "$key" ]] && openssl x509 -in "$crt" -noout -checkend 86400 >/dev/null; then
		return 0
	fi
	portico_log "creating a self-signed certificate for $PORTICO_DOMAIN"
	mkdir -p "$dir/certs"
	local d="$PORTICO_DOMAIN"
	openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
		-subj "/CN=$d" \
		-addext "subjectAltName=DNS:$d,DNS:conference.$d,DNS:upload.$d,DNS:pubsub.$d" \
		-addext "basicConstraints=critical,CA:FALSE" \
		-addext "extendedKeyUsage=serverAuth" \
		-keyout "$key.tmp" -out "$crt.tmp" 2>/dev/null \
		|| portico_die "openssl could not create a certificate in $dir/certs"
	chmod 600 "$key.tmp"
	mv "$key.tmp" "$key"
	mv "$crt.tmp" "$crt"
}

# Prosody's file name for a host or user name: every non-alphanumeric byte becomes %xx (util.datamanager).
datamanager_encode() {
	local s="$1" out="" c i
	for ((i = 0; i < ${#s}; i++)); do
		c="${s:i:1}"
		if [[ "$c" == [a-zA-Z0-9] ]]; then
			out+="$c"
		else
			printf -v c '%%%02x' "'$c"
			out+="$c"
		fi
	done
	printf '%s\n' "$out"
}

# Accounts are files in the data directory, so they are written before the server starts, by
# scripts/ProsodyAccounts.java in one JVM: prosodyctl register costs about half a second an account, an hour for the
# thousands of a load benchmark. Existing accounts are kept, and when none is missing no JVM starts (it takes a
# second to compile and run the program).
create_accounts() {
	local i user missing=() users=("${demo_users[@]}") accounts
	accounts="$dir/data/$(datamanager_encode "$PORTICO_DOMAIN")/accounts"
	for ((i = 1; i <= PORTICO_TEST_USERS; i++)); do
		users+=("test$i")
	done
	for user in "${users[@]}"; do
		[[ -e "$accounts/$user.dat" ]] || missing+=("$user")
	done
	((${#missing[@]} > 0)) || return 0
	"$JAVA_HOME/bin/java" "$PORTICO_HOME/scripts/ProsodyAccounts.java" "$accounts" "$scram_iterations" \
		"${missing[@]}" || portico_die "could not write the accounts of $PORTICO_DOMAIN"
}

fail_start() {
	local pid="$1"
	printf '[portico] ERROR: %s\n' "$2" >&2
	for log in console.log prosody.err prosody.log; do
		if [[ -s "$dir/$log" ]]; then
			printf '[portico] --- last lines of %s ---\n' "$dir/$log" >&2
			tail -n 20 "$dir/$log" >&2
		fi
	done
	if portico_alive "$pid"; then
		kill -TERM "$pid" 2>/dev/null || true
		sleep 1
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$pidfile"
	exit 1
}

# What the running instance was started with, to tell "already running" from "running with other settings".
readonly settings_file="$dir/running-settings"
settings="domain=$PORTICO_DOMAIN xmpp=$PORTICO_XMPP_PORT http=$PORTICO_UPSTREAM_HTTP_PORT users=$PORTICO_TEST_USERS"

if pid="$(portico_upstream_pid)"; then
	running="$(cat "$settings_file" 2>/dev/null || true)"
	if [[ "$running" != "$settings" ]]; then
		portico_die "the upstream in $dir (pid $pid) runs with '$running', not '$settings'; stop it first with scripts/upstream-stop.sh"
	fi
	if portico_port_open "$PORTICO_XMPP_PORT"; then
		portico_log "upstream already running (pid $pid, $PORTICO_DOMAIN on 127.0.0.1:$PORTICO_XMPP_PORT)"
		exit 0
	fi
	portico_die "Prosody pid $pid from $pidfile is alive but 127.0.0.1:$PORTICO_XMPP_PORT is closed; run scripts/upstream-stop.sh"
fi
rm -f "$pidfile" "$settings_file"

for port in "$PORTICO_XMPP_PORT" "$PORTICO_UPSTREAM_HTTP_PORT"; do
	if portico_port_open "$port"; then
		portico_die "port 127.0.0.1:$port is already taken by another process; choose other ports with PORTICO_XMPP_PORT / PORTICO_UPSTREAM_HTTP_PORT"
	fi
done

portico_prerequisites upstream
mkdir -p "$dir"
if $fresh && [[ -d "$dir/data" ]]; then
	portico_log "wiping upstream data in $dir/data"
	rm -rf "$dir/data"
fi
mkdir -p "$dir/data"
render_config
make_certificate
create_accounts

# Each start gets fresh logs, so what they show belongs to this run.
: >"$dir/console.log"
: >"$dir/prosody.log"
: >"$dir/prosody.err"
# setsid: Prosody gets its own session, so a Ctrl-C meant for the calling script does not reach it; the scripts
# stop it explicitly. In a non-interactive shell setsid execs in place, so $! is Prosody's pid.
setsid prosody --config "$config" -F >>"$dir/console.log" 2>&1 </dev/null &
pid=$!

# Prosody opens its ports one after the other (c2s, then HTTP), and writes its pid file in between; wait for all
# three, or a loaded machine sees the HTTP port still closed.
for ((tenths = 0; tenths < start_timeout_seconds * 10; tenths++)); do
	portico_alive "$pid" || fail_start "$pid" "Prosody exited during start-up"
	if portico_port_open "$PORTICO_XMPP_PORT" && portico_port_open "$PORTICO_UPSTREAM_HTTP_PORT" \
		&& [[ -s "$pidfile" ]]; then
		break
	fi
	sleep 0.1
done
((tenths < start_timeout_seconds * 10)) \
	|| fail_start "$pid" "Prosody did not listen on 127.0.0.1:$PORTICO_XMPP_PORT and 127.0.0.1:$PORTICO_UPSTREAM_HTTP_PORT within ${start_timeout_seconds}s"
[[ "$(<"$pidfile")" == "$pid" ]] || fail_start "$pid" "Prosody wrote pid $(<"$pidfile") to $pidfile, expected $pid"
if [[ -s "$dir/prosody.err" ]]; then
	portico_log "warning: Prosody logged errors at start-up, see $dir/prosody.err"
fi

printf '%s\n' "$settings" >"$settings_file"
portico_log "upstream running: pid $pid, domain $PORTICO_DOMAIN, c2s 127.0.0.1:$PORTICO_XMPP_PORT, http 127.0.0.1:$PORTICO_UPSTREAM_HTTP_PORT"
portico_log "trust file for its certificate: $PORTICO_UPSTREAM_CA"
