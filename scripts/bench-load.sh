#!/usr/bin/env bash
# Load benchmark (docs/benchmarks.md): many sessions through Portico's BOSH and WebSocket, side by side with the
# upstream's own BOSH and WebSocket and its plain c2s (the floor), for Prosody and, if asked, ejabberd, interleaved
# in one run. CPU and resident set of Portico and of the server come from /proc; each Portico runs as its own
# process (scripts/portico-run.sh), one in front of each server.
#
#   scripts/bench-load.sh [--no-build] [--servers=prosody|ejabberd|prosody,ejabberd] [--upstream-tls=disabled|required]
#                         [--cluster] [--aot-cache] --mode=idle|latency|throughput [options of the load generator]
#
# --upstream-tls: Portico's STARTTLS policy towards the server. Default disabled: plain TCP on loopback, as the c2s
# floor target and the load generator's own clients use, so that the figures compare relaying with relaying and
# not with encrypting (in production, use required; measure its cost with --upstream-tls=required).
#
# --cluster: the Portico in front of Prosody is one node of a two-node cluster (docs/cluster.md), the second node
# beside it, so the target portico-bosh-forwarded can create each session at the first node and send every later
# request to the second, which forwards it: compare it with portico-bosh (every request at the owner), e.g.
#   scripts/bench-load.sh --cluster --mode=latency --targets=portico-bosh,portico-bosh-forwarded
# The second node listens on PORTICO_CLUSTER_PORT_BASE+80 (admin +81); JGroups on BASE+70 and +71 (and +170, +171).
#
# --aot-cache: each Portico runs with an ahead-of-time cache of its own (PORTICO_AOT_CACHE of scripts/portico-run.sh,
# Java 25+), run/bench-load/portico-<server>.aot: the first such run after a build records it from its own traffic
# and writes it when it is stopped, later runs start with it, as a restarted production Portico would. The log says
# which; the recording run's figures are of a run that records.
#
# The target c2s-relay runs the c2s floor's clients through a minimal relay (org.portico.load.TcpRelay, one thread
# copying bytes between each client and the server), started as its own process in front of each server: its CPU
# per message (the relay columns) is what relaying alone, a read and a write each way, costs on this machine, e.g.
#   scripts/bench-load.sh --mode=latency --targets=c2s,c2s-relay,portico-ws --rate=1000
#
# --profile=jfr|cpu (latency and throughput): each Portico is profiled for exactly each measured window, started and
# stopped by the generator through jcmd, so the logins, the warm-up and the compiler's first minute stay out of it.
# The profiles are written beside the JSON lines, <mode>-<UTC time>-<server>-<target>-w<window>.jfr or .collapsed.
# jfr: a JFR recording with the JDK's profile settings. cpu: async-profiler's CPU samples every 200 us with the
# kernel's stacks (root, or kernel.perf_event_paranoid <= 1; JFR's own sampler stops at the Java frame of a system
# call), as collapsed stacks; each row then also has portico_profile_groups, the share of the kernel by system call,
# Jetty, Portico's XML and the rest of Portico, the JVM and the libraries (org.portico.load.ProfileGroups).
# async-profiler (version below) is fetched once from Maven Central into $PORTICO_RUN_DIR, and each Portico gets
# -XX:+EnableDynamicAgentLoading. A profiled window's own figures are not comparable with unprofiled ones.
#
# Generator options (org.portico.load.LoadGenerator, module load/): --targets=portico-bosh,portico-ws,server-bosh,
# server-ws,c2s,c2s-relay,portico-bosh-forwarded --sessions=200 --seconds=30 --warmup-seconds=5 --settle-seconds=2
# --grace-seconds=5 --rounds=1 --rate=200 --start-rate=100 --rate-factor=2 --max-rate=6400 --p99-limit-ms=200
# --probe-interval-ms=1000 --bosh-wait=60 --timeout-seconds=10 --login-concurrency=16 --max-seconds=1800
# --stall-ms=50 (each latency row's "stalls": the runs of messages slower than this, when they began, how many
# senders they hit, and how late the sends themselves were, which tells the generator's hiccups from the target's),
# --compression=none|browser (browser: ask for compression as browsers do, permessage-deflate offered on each WebSocket
# and Accept-Encoding: gzip on each BOSH request; a row's compressed_sessions says how many sessions got any),
# --request-headers=minimal|browser (browser: each BOSH request also carries the headers Chrome sends with an XHR),
# --http=1.1|2 (2: each session's BOSH requests go as streams of one HTTP/2 connection, h2c with prior knowledge, as a
# browser's go over TLS to an endpoint that offers h2; this script then starts each Portico with http2.cleartext on;
# the servers' own BOSH endpoints speak HTTP/1.1 alone and stay on it),
# and for --mode=idle --step-sessions=N: hold N sessions, then all --sessions beside them, in the same processes; the second
# row's portico_rss_kib_slope_per_session is the resident set's growth between the two holds per session added, e.g.
#   PORTICO_TEST_USERS=9000 scripts/bench-load.sh --mode=idle --targets=portico-bosh --sessions=9000 --step-sessions=5000
# A target may be named more than once. Logins through Portico against the server's own, read against a c2s turn on
# each side of each Portico turn (the server's c2s logins slow down as it ages, and one turn's leftover work slows
# the next): the table is then followed by one "logins against the c2s turns on either side" line per such turn, e.g.
#   PORTICO_TEST_USERS=2000 scripts/bench-load.sh --mode=idle --targets=c2s,portico-ws,c2s,portico-bosh,c2s --sessions=2000
#
# Starts the local Prosody (and ejabberd) unless already running for these settings, and stops what it started.
# Needs PORTICO_TEST_USERS >= --sessions (default here 200; the accounts are created once and kept).
# Results: JSON lines and a markdown table on standard output, also written to
# $PORTICO_RUN_DIR/bench-load/<mode>-<UTC time>.jsonl and .md. Exit status: the generator's (0 clean, 1 a loss,
# duplicate, failed login or session, 2 --max-seconds ran out), or 1 if setting up failed.
#
# Environment (besides scripts/env.sh):
#   PORTICO_BENCH_EJABBERD_PORTICO_PORT  PORTICO_HTTP_PORT+2   HTTP port of the Portico in front of ejabberd, and
#                                                              one above it its admin port (the first Portico's
#                                                              admin listener is PORTICO_ADMIN_PORT, 7071)
#   PORTICO_BENCH_PORTICO_JAVA_OPTS      (empty)               JVM options of each Portico, after the defaults of
#                                                              scripts/portico-run.sh
#   PORTICO_BENCH_JAVA_OPTS              -Xmx512m              JVM options of the load generator
#   PORTICO_BENCH_RELAY_PORT             PORTICO_HTTP_PORT+4   port of the relay in front of Prosody (c2s-relay);
#                                                              the one in front of ejabberd listens one above it
set -euo pipefail
export PORTICO_TEST_USERS="${PORTICO_TEST_USERS:-200}"
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$PORTICO_HOME"

# The generator bounds itself (--max-seconds); this is the backstop for a JVM that would not exit.
readonly hard_limit_seconds=7200
readonly ejabberd_portico_port="${PORTICO_BENCH_EJABBERD_PORTICO_PORT:-$((PORTICO_HTTP_PORT + 2))}"
portico_check_port PORTICO_BENCH_EJABBERD_PORTICO_PORT "$ejabberd_portico_port"
readonly ejabberd_portico_admin_port=$((ejabberd_portico_port + 1))
readonly relay_port="${PORTICO_BENCH_RELAY_PORT:-$((PORTICO_HTTP_PORT + 4))}"
readonly async_profiler_version=4.6
portico_check_port PORTICO_BENCH_RELAY_PORT "$relay_port"

build=true
cluster=false
servers=prosody
sessions=200
with_relay=false
upstream_tls=disabled
profile_cpu=false
aot_cache=false
http2_cleartext=false
generator_args=()
for arg in "$@"; do
	case "$arg" in
		--no-build) build=false ;;
		--cluster) cluster=true ;;
		--aot-cache) aot_cache=true ;;
		--servers=*) servers="${arg#--servers=}" ;;
		--upstream-tls=disabled | --upstream-tls=required) upstream_tls="${arg#--upstream-tls=}" ;;
		--upstream-tls=*) portico_die "--upstream-tls must be disabled or required, got '${arg#--upstream-tls=}'" ;;
		--sessions=*) sessions="${arg#--sessions=}"; generator_args+=("$arg") ;;
		--mode=*) mode="${arg#--mode=}"; generator_args+=("$arg") ;;
		--targets=*c2s-relay*) with_relay=true; generator_args+=("$arg") ;;
		--http=2) http2_cleartext=true; generator_args+=("$arg") ;;
		--profile=jfr) generator_args+=("$arg") ;;
		--profile=cpu) profile_cpu=true ;;
		--profile=*) portico_die "--profile must be jfr or cpu, got '${arg#--profile=}'" ;;
		--jsonl=* | --markdown=* | --server=* | --clock-ticks=*) portico_die "$arg is set by this script" ;;
		*) generator_args+=("$arg") ;;
	esac
done
[[ -n "${mode:-}" ]] || portico_die "--mode=idle|latency|throughput is required"
[[ "$sessions" =~ ^[0-9]+$ ]] || portico_die "--sessions must be a number, got '$sessions'"
((sessions <= PORTICO_TEST_USERS)) \
	|| portico_die "--sessions=$sessions needs that many accounts: set PORTICO_TEST_USERS=$sessions (or more)"
with_prosody=true
with_ejabberd=false
case "$servers" in
	prosody) ;;
	ejabberd) with_prosody=false with_ejabberd=true ;;
	prosody,ejabberd | ejabberd,prosody) with_ejabberd=true ;;
	*) portico_die "--servers must be prosody, ejabberd or prosody,ejabberd, got '$servers'" ;;
esac

if $profile_cpu; then
	case "$(uname -m)" in
		x86_64) profiler_platform=linux-x64 ;;
		aarch64) profiler_platform=linux-arm64 ;;
		*) portico_die "--profile=cpu: async-profiler has no build for $(uname -m); use --profile=jfr" ;;
	esac
	profiler_dir="$PORTICO_RUN_DIR/async-profiler-$async_profiler_version"
	profiler_library="$profiler_dir/$profiler_platform/libasyncProfiler.so"
	if [[ ! -f "$profiler_library" ]]; then
		portico_log "fetching async-profiler $async_profiler_version from Maven Central into $profiler_dir"
		./mvnw -q -B dependency:copy -Dartifact="tools.profiler:async-profiler:$async_profiler_version:jar:linux-x64" \
			-DoutputDirectory="$profiler_dir" >&2
		(cd "$profiler_dir" && jar xf "async-profiler-$async_profiler_version-linux-x64.jar" \
			"$profiler_platform/libasyncProfiler.so")
	fi
	generator_args+=("--profile=cpu:$profiler_library")
	PORTICO_BENCH_PORTICO_JAVA_OPTS="-XX:+EnableDynamicAgentLoading ${PORTICO_BENCH_PORTICO_JAVA_OPTS:-}"
fi

# the ports this script's own processes listen on, checked before any server is started for nothing
own_ports=("$PORTICO_HTTP_PORT" "$PORTICO_ADMIN_PORT" "$ejabberd_portico_port" "$ejabberd_portico_admin_port")
$with_relay && own_ports+=("$relay_port" "$((relay_port + 1))")
for port in "${own_ports[@]}"; do
	portico_port_open "$port" && portico_die "port 127.0.0.1:$port is taken; choose PORTICO_HTTP_PORT, PORTICO_ADMIN_PORT / PORTICO_BENCH_EJABBERD_PORTICO_PORT / PORTICO_BENCH_RELAY_PORT"
done

started_ejabberd=false
portico_pids=()
relay_pids=()
cleanup() {
	local pid
	for pid in "${relay_pids[@]}"; do
		# a relay keeps no state worth a graceful stop; waiting reaps it quietly
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	# A Portico that records its ahead-of-time cache writes it after its drain: about 10 s more here.
	local stop_tenths=100
	! $aot_cache || stop_tenths=600
	for pid in "${portico_pids[@]}"; do
		if portico_alive "$pid"; then
			kill -TERM "$pid" 2>/dev/null || true
			for ((tenths = 0; tenths < stop_tenths; tenths++)); do
				portico_alive "$pid" || break
				sleep 0.1
			done
			portico_alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
		fi
	done
	if $started_ejabberd; then
		bash "$PORTICO_HOME/scripts/ejabberd-stop.sh" || true
	fi
	portico_stop_started_upstream
}
trap cleanup EXIT

if $with_prosody; then
	portico_use_upstream benchmarking
fi
if $with_ejabberd; then
	if ! portico_ejabberd_pid >/dev/null; then
		started_ejabberd=true
	fi
	bash "$PORTICO_HOME/scripts/ejabberd-start.sh"
fi

if $build; then
	portico_log "building Portico and the load generator (./mvnw -DskipTests package)"
	./mvnw -q -B -DskipTests -pl web-demo,load -am package dependency:build-classpath \
		-DincludeScope=runtime -Dmdep.outputFile=target/classpath.txt
fi
[[ -d load/target/classes ]] || portico_die "load/target/classes is missing: run without --no-build first"

# Starts a Portico in front of one server as its own process and adds its pid to portico_pids (stopped on exit).
start_portico() { # name http-port upstream-port trust-file
	local log="$out_dir/portico-$1.log" pid sessions_cap=$((4 * sessions + 1000))
	# setsid: its own session, so a Ctrl-C meant for this script reaches it only through cleanup; it execs in
	# place (portico-run.sh ends in exec java), so $! is Portico's JVM.
	# every simulated client comes from 127.0.0.1: the per-address limits (client.*) and the store would refuse
	# them long before the sessions measured, so they are set far above what one turn opens: an ended BOSH session
	# stays in the store as a tombstone (for its wait and bosh.inactivity) and counts, and when one target is left
	# its turns follow each other faster than that, so two earlier turns' sessions may still count. The drain
	# on SIGTERM is cut to 5s, since no client is left to collect its end and cleanup kills a Portico still up after
	# 10s (60s with --aot-cache)
	if $aot_cache; then
		portico_extra_env+=("PORTICO_AOT_CACHE=$out_dir/portico-$1.aot")
	fi
	env "${portico_extra_env[@]}" PORTICO_HTTP_PORT="$2" \
		PORTICO_CFG_CLIENT_MAXSESSIONSPERADDRESS="$sessions_cap" \
		PORTICO_CFG_CLIENT_NEWSESSIONSPERSECOND=100000 PORTICO_CFG_CLIENT_NEWSESSIONSBURST="$((sessions + 100))" \
		PORTICO_CFG_STORE_MAXSESSIONS="$((sessions_cap > 10000 ? sessions_cap : 10000))" \
		PORTICO_CFG_ADMIN_DRAINGRACE=5s PORTICO_CFG_HTTP2_CLEARTEXT="$http2_cleartext" \
		PORTICO_CFG_UPSTREAM_DOMAIN_LOCALHOST="127.0.0.1:$3 $upstream_tls" \
		PORTICO_CFG_UPSTREAM_TRUSTSTORE="$4" \
		PORTICO_JAVA_OPTS="${PORTICO_BENCH_PORTICO_JAVA_OPTS:-} -Dportico.log.level=WARN" \
		setsid bash "$PORTICO_HOME/scripts/portico-run.sh" --no-build >"$log" 2>&1 </dev/null &
	pid=$!
	portico_pids+=("$pid")
	portico_extra_env=()
	await_listening "Portico for $1" "$pid" "$2" "$log" 60
	if $aot_cache; then
		portico_log "Portico for $1: $(grep -m1 -o 'recording the ahead-of-time cache.*\|starting with the ahead-of-time cache.*' "$log" \
			|| echo 'no ahead-of-time cache (it needs Java 25 or newer)')"
	fi
}

# Waits until process $2 listens on 127.0.0.1:$3; dies with the end of its log $4 if it exits first, or after $5 s.
await_listening() { # what pid port log seconds
	local tenths
	for ((tenths = 0; tenths < $5 * 10; tenths++)); do
		portico_alive "$2" || { tail -n 20 "$4" >&2; portico_die "$1 exited during start-up"; }
		portico_port_open "$3" && return
		sleep 0.1
	done
	portico_die "$1 did not listen on 127.0.0.1:$3 within $5s"
}

# Starts a TcpRelay in front of one server's c2s port and adds its pid to relay_pids (killed on exit).
start_relay() { # name port upstream-port
	local log="$out_dir/relay-$1.log" pid
	java -Xmx64m -XX:+UseSerialGC -cp "$PORTICO_HOME/load/target/classes" org.portico.load.TcpRelay "$2" "$3" \
		>"$log" 2>&1 </dev/null &
	pid=$!
	relay_pids+=("$pid")
	await_listening "the relay for $1" "$pid" "$2" "$log" 10
}

out_dir="$PORTICO_RUN_DIR/bench-load"
mkdir -p "$out_dir"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"

# The environment of the next start_portico: the cluster keys of one node (--cluster), or nothing.
portico_extra_env=()
cluster_node() { # name http-port jgroups-port
	local base="$PORTICO_CLUSTER_PORT_BASE"
	portico_extra_env=(PORTICO_CFG_CLUSTER_ENABLED=true "PORTICO_CFG_CLUSTER_NODENAME=$1"
		"PORTICO_CFG_CLUSTER_BIND=127.0.0.1:$3"
		"PORTICO_CFG_CLUSTER_MEMBERS=127.0.0.1:$((base + 70)),127.0.0.1:$((base + 71))"
		"PORTICO_CFG_CLUSTER_INTERNALURL=http://127.0.0.1:$2")
}

portico_log "Portico's upstream leg: STARTTLS $upstream_tls (--upstream-tls)"
server_args=()
if $with_prosody; then
	prosody_pid="$(portico_upstream_pid)"
	$cluster && cluster_node bench-a "$PORTICO_HTTP_PORT" "$((PORTICO_CLUSTER_PORT_BASE + 70))"
	start_portico prosody "$PORTICO_HTTP_PORT" "$PORTICO_XMPP_PORT" "$PORTICO_UPSTREAM_CA"
	server_args+=("--server=prosody,c2s=$PORTICO_XMPP_PORT,http=$PORTICO_UPSTREAM_HTTP_PORT,pid=$prosody_pid,portico=$PORTICO_HTTP_PORT,portico-pid=${portico_pids[-1]}")
	if $with_relay; then
		start_relay prosody "$relay_port" "$PORTICO_XMPP_PORT"
		server_args[-1]+=",relay=$relay_port,relay-pid=${relay_pids[-1]}"
	fi
	if $cluster; then
		peer_port=$((PORTICO_CLUSTER_PORT_BASE + 80))
		cluster_node bench-b "$peer_port" "$((PORTICO_CLUSTER_PORT_BASE + 71))"
		portico_extra_env+=("PORTICO_CFG_ADMIN_PORT=$((PORTICO_CLUSTER_PORT_BASE + 81))")
		start_portico prosody-peer "$peer_port" "$PORTICO_XMPP_PORT" "$PORTICO_UPSTREAM_CA"
		server_args[-1]+=",portico-peer=$peer_port,portico-peer-pid=${portico_pids[-1]}"
	fi
fi
if $with_ejabberd; then
	$cluster && portico_die "--cluster measures forwarding in front of Prosody only: leave out --servers"
	ejabberd_pid="$(portico_ejabberd_pid)"
	portico_extra_env=("PORTICO_CFG_ADMIN_PORT=$ejabberd_portico_admin_port")
	start_portico ejabberd "$ejabberd_portico_port" "$PORTICO_EJABBERD_XMPP_PORT" "$PORTICO_EJABBERD_CA"
	server_args+=("--server=ejabberd,c2s=$PORTICO_EJABBERD_XMPP_PORT,http=$PORTICO_EJABBERD_HTTP_PORT,pid=$ejabberd_pid,portico=$ejabberd_portico_port,portico-pid=${portico_pids[-1]}")
	if $with_relay; then
		start_relay ejabberd "$((relay_port + 1))" "$PORTICO_EJABBERD_XMPP_PORT"
		server_args[-1]+=",relay=$((relay_port + 1)),relay-pid=${relay_pids[-1]}"
	fi
fi
portico_log "Portico pids: ${portico_pids[*]}; results in $out_dir/$mode-$stamp.{jsonl,md}"

status=0
# shellcheck disable=SC2086 # PORTICO_BENCH_JAVA_OPTS is a list of options
timeout --kill-after=10 "$hard_limit_seconds" java ${PORTICO_BENCH_JAVA_OPTS:--Xmx512m} \
	-cp "$PORTICO_HOME/load/target/classes" org.portico.load.LoadGenerator \
	"${server_args[@]}" "--clock-ticks=$(getconf CLK_TCK)" \
	"--jsonl=$out_dir/$mode-$stamp.jsonl" "--markdown=$out_dir/$mode-$stamp.md" \
	"${generator_args[@]}" || status=$?
exit "$status"
