# shellcheck shell=bash
# Shared environment for Portico's scripts. Source it; do not execute it.
#
# Every setting below can be overridden from the environment, so a second copy (another checkout, a CI job, a
# benchmark) can run beside this one or beside another XMPP server:
#
#   PORTICO_RUN_DIR             <repo>/run   run-time state: Prosody config, data, certs, logs, pid files
#   PORTICO_DOMAIN              localhost    XMPP domain of the local upstream (conference., upload., pubsub. below it)
#   PORTICO_XMPP_PORT           15222        Prosody client-to-server port (plain + STARTTLS)
#   PORTICO_UPSTREAM_HTTP_PORT  15280        Prosody's own HTTP port: its BOSH, WebSocket and file-share endpoints
#   PORTICO_HTTP_PORT           7070         Portico's own HTTP port (BOSH, WebSocket, demo page)
#   PORTICO_ADMIN_PORT          7071         Portico's admin listener on loopback (metrics, /healthz, /readyz, drain)
#   PORTICO_TEST_USERS          10           number of test accounts test1..testN
#   PORTICO_PROSODY_LOG_LEVEL   info         Prosody's log level (debug shows every stanza)
#   PORTICO_EJABBERD_XMPP_PORT  16222        the local ejabberd's client-to-server port (scripts/ejabberd-start.sh)
#   PORTICO_EJABBERD_HTTP_PORT  16280        the local ejabberd's own HTTP port: BOSH, WebSocket, admin API
#   PORTICO_EJABBERD_DIST_PORT  16299        the Erlang distribution port of the local ejabberd node (no epmd)
#   PORTICO_EJABBERD_PROXY_PORT 16223        the local ejabberd's second c2s port, which expects the PROXY protocol
#   PORTICO_EJABBERD_LOG_LEVEL  info         ejabberd's log level (debug shows every stanza)
#   PORTICO_NGINX_PORT          7443         HTTPS port of the test nginx in front of Portico (NginxEndToEndTest)
#   PORTICO_NGINX_HTTP_PORT     7080         its HTTP port, which only redirects to HTTPS
#   PORTICO_CLUSTER_PORT_BASE   17400        first of the ports the cluster tests and benchmark use (docs/cluster.md):
#                                            HAProxy at BASE (statistics BASE+1), node n's HTTP at BASE+10+n, admin at
#                                            BASE+20+n, JGroups at BASE+30+n (failure detection 100 above each JGroups
#                                            port), InfinispanDirectoryTest's JGroups at BASE+40+n,
#                                            ClusterRoutingEndToEndTest's HTTP at BASE+50+n and JGroups at BASE+60+n,
#                                            bench-load.sh --cluster's at BASE+70..81; all below BASE+200
#
# These are the scripts' variables, not Portico's configuration: PORTICO_CFG_* variables override configuration keys
# (conf/portico.properties; scripts/portico-run.sh turns PORTICO_HTTP_PORT and PORTICO_DOMAIN into them).
#
# The default ports lie below Linux's ephemeral range (32768-60999), from which outgoing connections take their
# local ports: a default there could be taken by some client socket just when a server wants to listen on it.
#
# Derived (not meant to be overridden):
#   PORTICO_UPSTREAM_HOST       127.0.0.1    the upstream listens on loopback only
#   PORTICO_UPSTREAM_CA         $PORTICO_RUN_DIR/prosody/certs/$PORTICO_DOMAIN.crt   PEM to trust Prosody's STARTTLS
#   PORTICO_EJABBERD_DIR        $PORTICO_RUN_DIR/ejabberd   the local ejabberd's config, spool, logs, certificate
#   PORTICO_EJABBERD_CA         $PORTICO_EJABBERD_DIR/certs/$PORTICO_DOMAIN.crt   PEM to trust ejabberd's STARTTLS
#
# It also selects a JDK 21+ as JAVA_HOME and puts it first on PATH (scripts/mvn runs Maven with it).

PORTICO_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PORTICO_HOME

export PORTICO_RUN_DIR="${PORTICO_RUN_DIR:-$PORTICO_HOME/run}"
export PORTICO_DOMAIN="${PORTICO_DOMAIN:-localhost}"
export PORTICO_XMPP_PORT="${PORTICO_XMPP_PORT:-15222}"
export PORTICO_UPSTREAM_HTTP_PORT="${PORTICO_UPSTREAM_HTTP_PORT:-15280}"
export PORTICO_HTTP_PORT="${PORTICO_HTTP_PORT:-7070}"
export PORTICO_ADMIN_PORT="${PORTICO_ADMIN_PORT:-7071}"
export PORTICO_TEST_USERS="${PORTICO_TEST_USERS:-10}"
export PORTICO_PROSODY_LOG_LEVEL="${PORTICO_PROSODY_LOG_LEVEL:-info}"
export PORTICO_EJABBERD_XMPP_PORT="${PORTICO_EJABBERD_XMPP_PORT:-16222}"
export PORTICO_EJABBERD_HTTP_PORT="${PORTICO_EJABBERD_HTTP_PORT:-16280}"
export PORTICO_EJABBERD_DIST_PORT="${PORTICO_EJABBERD_DIST_PORT:-16299}"
export PORTICO_EJABBERD_PROXY_PORT="${PORTICO_EJABBERD_PROXY_PORT:-16223}"
export PORTICO_EJABBERD_LOG_LEVEL="${PORTICO_EJABBERD_LOG_LEVEL:-info}"
export PORTICO_NGINX_PORT="${PORTICO_NGINX_PORT:-7443}"
export PORTICO_NGINX_HTTP_PORT="${PORTICO_NGINX_HTTP_PORT:-7080}"
export PORTICO_CLUSTER_PORT_BASE="${PORTICO_CLUSTER_PORT_BASE:-17400}"
export PORTICO_UPSTREAM_HOST=127.0.0.1

portico_log() {
	printf '[portico] %s\n' "$*" >&2 || true # a closed stderr must not stop a script that is cleaning up
}

portico_die() {
	printf '[portico] ERROR: %s\n' "$*" >&2
	exit 1
}

portico_check_port() { # name value
	if ! [[ "$2" =~ ^[0-9]+$ ]] || (($2 < 1 || $2 > 65535)); then
		portico_die "$1 must be a TCP port number, got '$2'"
	fi
}
portico_check_port PORTICO_XMPP_PORT "$PORTICO_XMPP_PORT"
portico_check_port PORTICO_UPSTREAM_HTTP_PORT "$PORTICO_UPSTREAM_HTTP_PORT"
portico_check_port PORTICO_HTTP_PORT "$PORTICO_HTTP_PORT"
portico_check_port PORTICO_ADMIN_PORT "$PORTICO_ADMIN_PORT"
portico_check_port PORTICO_EJABBERD_XMPP_PORT "$PORTICO_EJABBERD_XMPP_PORT"
portico_check_port PORTICO_EJABBERD_HTTP_PORT "$PORTICO_EJABBERD_HTTP_PORT"
portico_check_port PORTICO_EJABBERD_DIST_PORT "$PORTICO_EJABBERD_DIST_PORT"
portico_check_port PORTICO_EJABBERD_PROXY_PORT "$PORTICO_EJABBERD_PROXY_PORT"
portico_check_port PORTICO_NGINX_PORT "$PORTICO_NGINX_PORT"
portico_check_port PORTICO_NGINX_HTTP_PORT "$PORTICO_NGINX_HTTP_PORT"
portico_check_port PORTICO_CLUSTER_PORT_BASE "$((PORTICO_CLUSTER_PORT_BASE + 199))"
[[ "$PORTICO_EJABBERD_LOG_LEVEL" =~ ^(none|emergency|alert|critical|error|warning|notice|info|debug)$ ]] \
	|| portico_die "PORTICO_EJABBERD_LOG_LEVEL must be one of ejabberd's log levels (info, debug, warning, ...), got '$PORTICO_EJABBERD_LOG_LEVEL'"
[[ "$PORTICO_TEST_USERS" =~ ^[0-9]+$ ]] || portico_die "PORTICO_TEST_USERS must be a number, got '$PORTICO_TEST_USERS'"
[[ "$PORTICO_DOMAIN" =~ ^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$ ]] \
	|| portico_die "PORTICO_DOMAIN must be a lower-case DNS name, got '$PORTICO_DOMAIN'"
[[ "$PORTICO_PROSODY_LOG_LEVEL" =~ ^(debug|info|warn|error)$ ]] \
	|| portico_die "PORTICO_PROSODY_LOG_LEVEL must be debug, info, warn or error, got '$PORTICO_PROSODY_LOG_LEVEL'"
# The run directory is written into Prosody's Lua config inside double quotes.
[[ "$PORTICO_RUN_DIR" == /* && "$PORTICO_RUN_DIR" != *[\"\\$'\n']* ]] \
	|| portico_die "PORTICO_RUN_DIR must be an absolute path without quotes, backslashes or newlines, got '$PORTICO_RUN_DIR'"

export PORTICO_PROSODY_DIR="$PORTICO_RUN_DIR/prosody"
export PORTICO_UPSTREAM_CA="$PORTICO_PROSODY_DIR/certs/$PORTICO_DOMAIN.crt"
export PORTICO_EJABBERD_DIR="$PORTICO_RUN_DIR/ejabberd"
export PORTICO_EJABBERD_CA="$PORTICO_EJABBERD_DIR/certs/$PORTICO_DOMAIN.crt"

# True when something accepts TCP connections on 127.0.0.1:$1.
portico_port_open() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# True while process $1 runs. One that exited but was not yet reaped by its parent (a zombie) counts as gone; one
# whose main thread exited while other threads still run (a JVM shutting down) counts as running.
portico_alive() {
	local task
	kill -0 "$1" 2>/dev/null || return 1
	for task in "/proc/$1/task/"*; do
		[[ "$(sed -n 's/^[0-9]* (.*) \([A-Z]\).*/\1/p' "$task/stat" 2>/dev/null)" != Z ]] && return 0
	done
	return 1
}

# Prints the pid of the Prosody that scripts/upstream-start.sh started for this run directory; fails if none runs.
portico_upstream_pid() {
	local file="$PORTICO_PROSODY_DIR/prosody.pid" pid
	[[ -r "$file" ]] || return 1
	pid="$(<"$file")"
	[[ "$pid" =~ ^[0-9]+$ ]] && portico_alive "$pid" || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q prosody || return 1
	printf '%s\n' "$pid"
}

# Prints the pid of the ejabberd (its Erlang VM, beam) that scripts/ejabberd-start.sh started for this run
# directory; fails if none runs.
portico_ejabberd_pid() {
	local file="$PORTICO_EJABBERD_DIR/ejabberd.pid" pid
	[[ -r "$file" ]] || return 1
	pid="$(<"$file")"
	[[ "$pid" =~ ^[0-9]+$ ]] && portico_alive "$pid" || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "portico-ejabberd-$PORTICO_EJABBERD_DIST_PORT@" || return 1
	printf '%s\n' "$pid"
}

# Uses the upstream already running for these settings (checked by upstream-start.sh, left running), or starts one
# with the given upstream-start.sh options and remembers to stop it: callers trap portico_stop_started_upstream EXIT.
#   portico_use_upstream "testing" --fresh
portico_started_upstream=false
portico_use_upstream() { # purpose [upstream-start.sh options]
	local purpose="$1"
	shift
	if portico_upstream_pid >/dev/null; then
		bash "$PORTICO_HOME/scripts/upstream-start.sh" # checks it runs with our settings
		portico_log "$purpose against the upstream that was already running; it stays up"
	else
		portico_started_upstream=true
		bash "$PORTICO_HOME/scripts/upstream-start.sh" "$@"
	fi
}

# The same for the local ejabberd (scripts/ejabberd-start.sh), the second upstream.
portico_started_ejabberd=false
portico_use_ejabberd() { # purpose [ejabberd-start.sh options]
	local purpose="$1"
	shift
	if portico_ejabberd_pid >/dev/null; then
		bash "$PORTICO_HOME/scripts/ejabberd-start.sh"
		portico_log "$purpose against the ejabberd that was already running; it stays up"
	else
		portico_started_ejabberd=true
		bash "$PORTICO_HOME/scripts/ejabberd-start.sh" "$@"
	fi
}

# Stops the upstreams that portico_use_upstream and portico_use_ejabberd started.
portico_stop_started_upstream() {
	if $portico_started_upstream; then
		bash "$PORTICO_HOME/scripts/upstream-stop.sh" || true
		portico_started_upstream=false
	fi
	if $portico_started_ejabberd; then
		bash "$PORTICO_HOME/scripts/ejabberd-stop.sh" || true
		portico_started_ejabberd=false
	fi
}

# The Java feature release (21, 25, ...) of the JDK at $1, or nothing if it is not a JDK.
portico_jdk_release() {
	local home="$1" version=""
	[[ -x "$home/bin/java" && -x "$home/bin/javac" ]] || return 0
	if [[ -r "$home/release" ]]; then
		version="$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$home/release")"
	fi
	if [[ -z "$version" ]]; then
		version="$("$home/bin/java" -XshowSettings:properties -version 2>&1 \
			| sed -n 's/^ *java\.specification\.version = //p')"
	fi
	version="${version#1.}" # 1.8 -> 8
	printf '%s\n' "${version%%[.+-]*}"
}

# Keep a JAVA_HOME or a java on PATH that is 21+; otherwise take the newest JDK 21+ under /usr/lib/jvm.
portico_select_jdk() {
	local candidate release best="" best_release=0
	if [[ -n "${JAVA_HOME:-}" ]]; then
		release="$(portico_jdk_release "$JAVA_HOME")"
		if [[ -n "$release" ]] && ((release >= 21)); then
			return 0
		fi
		portico_log "JAVA_HOME=$JAVA_HOME is not a JDK 21+; looking for another one"
	fi
	if command -v javac >/dev/null 2>&1; then
		candidate="$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")"
		release="$(portico_jdk_release "$candidate")"
		if [[ -n "$release" ]] && ((release >= 21)); then
			export JAVA_HOME="$candidate"
			return 0
		fi
	fi
	for candidate in /usr/lib/jvm/*; do
		[[ -d "$candidate" && ! -L "$candidate" ]] || continue
		release="$(portico_jdk_release "$candidate")"
		if [[ -n "$release" ]] && ((release >= 21 && release > best_release)); then
			best="$candidate"
			best_release="$release"
		fi
	done
	[[ -n "$best" ]] || portico_die "Portico needs a JDK 21 or newer, and none was found (JAVA_HOME, javac on PATH," \
		"/usr/lib/jvm). Install one: on Debian 13 'apt-get install openjdk-21-jdk'; on Debian 12," \
		"whose own packages stop at 17, Eclipse Temurin's 'temurin-21-jdk' from Adoptium's apt repository" \
		"(https://adoptium.net/installation/linux/). Or set JAVA_HOME to a JDK 21+."
	export JAVA_HOME="$best"
}
portico_select_jdk
export PATH="$JAVA_HOME/bin:$PATH"

# Maven 3.9's Guice calls sun.misc.Unsafe, which JDK 24 and later warn about on every run (JEP 498); the option
# that allows it quietly exists from JDK 23 on.
if (($(portico_jdk_release "$JAVA_HOME") >= 23)) && [[ "${MAVEN_OPTS:-}" != *--sun-misc-unsafe-memory-access* ]]; then
	export MAVEN_OPTS="--sun-misc-unsafe-memory-access=allow${MAVEN_OPTS:+ $MAVEN_OPTS}"
fi

# Maven system properties that hand the same settings to the tests (see README.md).
portico_maven_properties() {
	printf '%s\n' \
		"-Dportico.run.dir=$PORTICO_RUN_DIR" \
		"-Dportico.domain=$PORTICO_DOMAIN" \
		"-Dportico.xmpp.port=$PORTICO_XMPP_PORT" \
		"-Dportico.upstream.http.port=$PORTICO_UPSTREAM_HTTP_PORT" \
		"-Dportico.http.port=$PORTICO_HTTP_PORT" \
		"-Dportico.upstream.ca=$PORTICO_UPSTREAM_CA" \
		"-Dportico.test.users=$PORTICO_TEST_USERS" \
		"-Dportico.ejabberd.xmpp.port=$PORTICO_EJABBERD_XMPP_PORT" \
		"-Dportico.ejabberd.http.port=$PORTICO_EJABBERD_HTTP_PORT" \
		"-Dportico.ejabberd.proxy.port=$PORTICO_EJABBERD_PROXY_PORT" \
		"-Dportico.ejabberd.ca=$PORTICO_EJABBERD_CA" \
		"-Dportico.nginx.port=$PORTICO_NGINX_PORT" \
		"-Dportico.nginx.http.port=$PORTICO_NGINX_HTTP_PORT" \
		"-Dportico.cluster.port.base=$PORTICO_CLUSTER_PORT_BASE"
}
