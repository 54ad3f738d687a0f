#!/usr/bin/env bash
# Measures how long a page reload takes to get its XMPP session back, for the four ways Portico supports, side by
# side in one run: BOSH pause, BOSH restore (acks), the WebSocket resume token (urn:portico:resume:0) and XEP-0198
# resumption over WebSocket. Prints median and p90 per way, after 100 unmeasured reloads per way that warm the JVM
# Portico runs in up (a serving Portico's code is compiled). Not a test: it asserts nothing about speed.
#
#   scripts/bench-reload.sh [iterations]     (default 50 reloads per way)
#
# Uses the local Prosody of scripts/upstream-start.sh (started here, and stopped again, when it is not running) and
# an in-process Portico on a free loopback port (org.portico.bench.ReloadBenchmark, built from the test sources).
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$PORTICO_HOME"

iterations="${1:-50}"
[[ "$iterations" =~ ^[1-9][0-9]*$ ]] || portico_die "iterations must be a positive number, got '$iterations'"

trap portico_stop_started_upstream EXIT
portico_use_upstream benchmarking

readonly classpath_file="$PORTICO_HOME/connection-manager/target/bench-classpath.txt"
portico_log "building the benchmark (test classes of connection-manager)"
./mvnw -q -B -pl connection-manager -am test-compile dependency:build-classpath \
	-Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt
classpath="$PORTICO_HOME/connection-manager/target/test-classes:$PORTICO_HOME/connection-manager/target/classes:$(<"$classpath_file")"

mapfile -t properties < <(portico_maven_properties)
portico_log "running $iterations reloads per way"
"$JAVA_HOME/bin/java" "${properties[@]}" -Dlogback.configurationFile="$PORTICO_HOME/conf/logback.xml" \
	-Dportico.log.level="${PORTICO_BENCH_LOG_LEVEL:-WARN}" \
	-cp "$classpath" org.portico.bench.ReloadBenchmark "$iterations"
