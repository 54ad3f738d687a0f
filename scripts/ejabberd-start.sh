#!/usr/bin/env bash
# Starts a local ejabberd (Debian's package) on loopback as Portico's second upstream, in the background, and
# returns once it accepts client connections and has the accounts. Idempotent: when our ejabberd is already running
# it only says so. The counterpart of scripts/upstream-start.sh (Prosody); both can run at the same time.
#
#   scripts/ejabberd-start.sh [--fresh]
#
#   --fresh   wipe ejabberd's database (accounts, rosters, archives) before starting; ignored when it runs already.
#
# Installs ejabberd, openssl and curl when they are missing (scripts/prerequisites.sh, purpose "ejabberd"), without
# letting Debian start its system-wide service. Everything it writes lives in $PORTICO_EJABBERD_DIR ($PORTICO_RUN_DIR/ejabberd): ejabberd.yml (rendered
# from conf/ejabberd.yml.template), ejabberdctl.cfg, inetrc, certs/, spool/ (the Mnesia database), logs/,
# console.log and ejabberd.pid. The Erlang node is portico-ejabberd-$PORTICO_EJABBERD_DIST_PORT@localhost on
# 127.0.0.1:$PORTICO_EJABBERD_DIST_PORT with no epmd, so it clashes with no other Erlang node; Debian's ejabberdctl
# runs it as the unprivileged user ejabberd, which is why this script needs root (or sudo).
#
# Accounts (password = name + "pw"), all @$PORTICO_DOMAIN: alice, bob, carol (mutual contacts, group "Demo") and
# test1..test$PORTICO_TEST_USERS, created through ejabberd's admin API (mod_http_api, loopback only) — the same
# commands as `ejabberdctl register`, without starting an Erlang VM per account.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
# shellcheck source=scripts/prerequisites.sh
source "$PORTICO_HOME/scripts/prerequisites.sh"

fresh=false
for arg in "$@"; do
	case "$arg" in
		--fresh) fresh=true ;;
		*) portico_die "unknown argument '$arg' (usage: ejabberd-start.sh [--fresh])" ;;
	esac
done

readonly dir="$PORTICO_EJABBERD_DIR"
readonly pidfile="$dir/ejabberd.pid"
readonly start_timeout_seconds=60
readonly demo_users=(alice bob carol)
readonly api="http://127.0.0.1:$PORTICO_EJABBERD_HTTP_PORT/api"

sudo=()
if ((EUID != 0)); then
	command -v sudo >/dev/null || portico_die "Debian's ejabberdctl runs ejabberd as the user ejabberd: run this as root or install sudo"
	sudo=(sudo)
fi

render_config() {
	local escaped_dir="${dir//&/\\&}"
	escaped_dir="${escaped_dir//|/\\|}"
	sed -e "s|@EJABBERD_DIR@|$escaped_dir|g" \
		-e "s|@DOMAIN@|$PORTICO_DOMAIN|g" \
		-e "s|@XMPP_PORT@|$PORTICO_EJABBERD_XMPP_PORT|g" \
		-e "s|@PROXY_XMPP_PORT@|$PORTICO_EJABBERD_PROXY_PORT|g" \
		-e "s|@HTTP_PORT@|$PORTICO_EJABBERD_HTTP_PORT|g" \
		-e "s|@LOG_LEVEL@|$PORTICO_EJABBERD_LOG_LEVEL|g" \
		"$PORTICO_HOME/conf/ejabberd.yml.template" >"$dir/ejabberd.yml.tmp"
	mv "$dir/ejabberd.yml.tmp" "$dir/ejabberd.yml"
	# Read by Debian's ejabberdctl (a shell fragment). ERL_DIST_PORT makes the node and every ejabberdctl call use
	# that one port instead of epmd, so nothing outlives the server; the distribution listens on loopback only.
	cat >"$dir/ejabberdctl.cfg" <<-CFG
		ERLANG_NODE=portico-ejabberd-$PORTICO_EJABBERD_DIST_PORT@localhost
		ERL_DIST_PORT=$PORTICO_EJABBERD_DIST_PORT
		ERL_OPTIONS="-env ERL_CRASH_DUMP_BYTES 0 -kernel inet_dist_use_interface {127,0,0,1}"
		EJABBERD_CONFIG_PATH="$dir/ejabberd.yml"
		EJABBERD_PID_PATH="$dir/ejabberd.pid"
		CONTRIB_MODULES_PATH="$dir/contrib"
		CONTRIB_MODULES_CONF_DIR="$dir/contrib"
		EJABBERD_BYPASS_WARNINGS=true
	CFG
	cp /etc/ejabberd/inetrc "$dir/inetrc"
}

# Self-signed certificate for the domain and its conference component, kept across runs; ejabberd wants the key
# and the certificate in one PEM, clients get the certificate alone as their trust file.
make_certificate() {
	local crt="$PORTICO_EJABBERD_CA" key="$dir/certs/$PORTICO_DOMAIN.key" pem="$dir/certs/$PORTICO_DOMAIN.pem"
	if [[ -s "$crt" && -s "$key" && -s "$pem" ]] && openssl x509 -in "$crt" -noout -checkend 86400 >/dev/null; then
		return 0
	fi
	portico_log "creating a self-signed certificate for $PORTICO_DOMAIN in $dir/certs"
	mkdir -p "$dir/certs"
	local d="$PORTICO_DOMAIN"
	openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
		-subj "/CN=$d" \
		-addext "subjectAltName=DNS:$d,DNS:conference.$d" \
		-addext "basicConstraints=critical,CA:FALSE" \
		-addext "extendedKeyUsage=serverAuth" \
		-keyout "$key.tmp" -out "$crt.tmp" 2>/dev/null \
		|| portico_die "openssl could not create a certificate in $dir/certs"
	chmod 600 "$key.tmp"
	cat "$crt.tmp" "$key.tmp" >"$pem.tmp"
	chmod 600 "$pem.tmp"
	mv "$key.tmp" "$key"
	mv "$crt.tmp" "$crt"
	mv "$pem.tmp" "$pem"
}

ejabberdctl_() {
	"${sudo[@]}" ejabberdctl --config-dir "$dir" --ctl-config "$dir/ejabberdctl.cfg" \
		--logs "$dir/logs" --spool "$dir/spool" "$@"
}

api_call() { # command json
	curl -sS --fail-with-body --max-time 30 -H 'Content-Type: application/json' -d "$2" "$api/$1"
}

create_accounts() {
	local registered user i users=("${demo_users[@]}")
	for ((i = 1; i <= PORTICO_TEST_USERS; i++)); do
		users+=("test$i")
	done
	registered="$(api_call registered_users "{\"host\":\"$PORTICO_DOMAIN\"}")" \
		|| portico_die "ejabberd's admin API at $api does not answer: $registered"
	local created=0
	for user in "${users[@]}"; do
		[[ "$registered" == *"\"$user\""* ]] && continue
		api_call register "{\"user\":\"$user\",\"host\":\"$PORTICO_DOMAIN\",\"password\":\"${user}pw\"}" >/dev/null \
			|| portico_die "ejabberd could not create $user@$PORTICO_DOMAIN"
		created=$((created + 1))
	done
	# The demo users see each other, both ways (subscription both), in the group Demo.
	local other
	for user in "${demo_users[@]}"; do
		[[ "$registered" == *"\"$user\""* ]] && continue
		for other in "${demo_users[@]}"; do
			[[ "$other" == "$user" ]] && continue
			api_call add_rosteritem "{\"localuser\":\"$user\",\"localhost\":\"$PORTICO_DOMAIN\",\"user\":\"$other\",\"host\":\"$PORTICO_DOMAIN\",\"nick\":\"${other^}\",\"group\":\"Demo\",\"subs\":\"both\"}" >/dev/null \
				|| portico_die "ejabberd could not add $other to $user's roster"
		done
	done
	((created == 0)) || portico_log "created $created accounts on ejabberd"
}

fail_start() {
	printf '[portico] ERROR: %s\n' "$1" >&2
	local log
	for log in console.log logs/error.log logs/ejabberd.log; do
		if [[ -s "$dir/$log" ]]; then
			printf '[portico] --- last lines of %s ---\n' "$dir/$log" >&2
			tail -n 20 "$dir/$log" >&2
		fi
	done
	bash "$PORTICO_HOME/scripts/ejabberd-stop.sh" || true
	if portico_alive "$launcher"; then
		kill -TERM "$launcher" 2>/dev/null || true
	fi
	exit 1
}

readonly settings_file="$dir/running-settings"
settings="domain=$PORTICO_DOMAIN xmpp=$PORTICO_EJABBERD_XMPP_PORT proxy=$PORTICO_EJABBERD_PROXY_PORT http=$PORTICO_EJABBERD_HTTP_PORT dist=$PORTICO_EJABBERD_DIST_PORT users=$PORTICO_TEST_USERS"

if pid="$(portico_ejabberd_pid)"; then
	running="$(cat "$settings_file" 2>/dev/null || true)"
	if [[ "$running" != "$settings" ]]; then
		portico_die "the ejabberd in $dir (pid $pid) runs with '$running', not '$settings'; stop it first with scripts/ejabberd-stop.sh"
	fi
	portico_log "ejabberd already running (pid $pid, $PORTICO_DOMAIN on 127.0.0.1:$PORTICO_EJABBERD_XMPP_PORT)"
	exit 0
fi
rm -f "$pidfile" "$settings_file"

for port in "$PORTICO_EJABBERD_XMPP_PORT" "$PORTICO_EJABBERD_PROXY_PORT" "$PORTICO_EJABBERD_HTTP_PORT" \
	"$PORTICO_EJABBERD_DIST_PORT"; do
	if portico_port_open "$port"; then
		portico_die "port 127.0.0.1:$port is already taken; choose others with PORTICO_EJABBERD_XMPP_PORT / _PROXY_PORT / _HTTP_PORT / _DIST_PORT"
	fi
done

portico_prerequisites ejabberd
mkdir -p "$dir"
if $fresh && [[ -d "$dir/spool" ]]; then
	portico_log "wiping ejabberd's database in $dir/spool"
	rm -rf "$dir/spool"
fi
mkdir -p "$dir/spool" "$dir/logs" "$dir/contrib"
render_config
make_certificate
: >"$dir/console.log"
rm -f "$dir"/logs/*.log
# ejabberd runs as the user ejabberd: it writes its database, logs and pid file here and reads its certificate.
"${sudo[@]}" chown -R ejabberd:ejabberd "$dir"

# setsid: its own session, so a Ctrl-C meant for the caller does not reach it; ejabberd-stop.sh stops it.
setsid "${sudo[@]}" ejabberdctl --config-dir "$dir" --ctl-config "$dir/ejabberdctl.cfg" \
	--logs "$dir/logs" --spool "$dir/spool" foreground >>"$dir/console.log" 2>&1 </dev/null &
launcher=$!

for ((tenths = 0; tenths < start_timeout_seconds * 10; tenths++)); do
	portico_alive "$launcher" || fail_start "ejabberd exited during start-up"
	if portico_port_open "$PORTICO_EJABBERD_XMPP_PORT" && portico_port_open "$PORTICO_EJABBERD_HTTP_PORT" \
		&& portico_ejabberd_pid >/dev/null; then
		break
	fi
	sleep 0.1
done
((tenths < start_timeout_seconds * 10)) \
	|| fail_start "ejabberd did not accept connections on 127.0.0.1:$PORTICO_EJABBERD_XMPP_PORT within ${start_timeout_seconds}s"
pid="$(portico_ejabberd_pid)"
create_accounts
printf '%s\n' "$settings" >"$settings_file"
portico_log "ejabberd running: pid $pid, domain $PORTICO_DOMAIN, c2s 127.0.0.1:$PORTICO_EJABBERD_XMPP_PORT, http 127.0.0.1:$PORTICO_EJABBERD_HTTP_PORT (BOSH /http-bind, WebSocket /xmpp-websocket)"
portico_log "trust file for its certificate: $PORTICO_EJABBERD_CA"
