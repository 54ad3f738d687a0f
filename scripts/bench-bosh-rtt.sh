#!/usr/bin/env bash
# Benchmark: BOSH message round-trip time through Portico vs Prosody's own BOSH endpoint (mod_bosh), same
# machine, same run (docs/benchmarks.md).
#
#   scripts/bench-bosh-rtt.sh [--no-build] [--rounds=10] [--per-round=50] [--warmup=50] [--timeout-seconds=5]
#                             [--max-seconds=900]
#
# Starts the local upstream (scripts/upstream-start.sh --fresh) unless one already runs for these settings, and
# stops it again if it started it. Builds the tests (the harness is org.portico.bench.BoshRoundTripBench, compiled
# with them), then runs it in one JVM that also hosts the Portico servers under test. Prints the figures on
# standard output; exits non-zero when the bench fails.
#
# Environment (besides scripts/env.sh): PORTICO_BENCH_JAVA_OPTS, extra JVM options (default -Xmx512m).
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$PORTICO_HOME"

readonly classpath_file="$PORTICO_HOME/connection-manager/target/bench-classpath.txt"
readonly main_class=org.portico.bench.BoshRoundTripBench
# The bench bounds itself (--max-seconds); this is the backstop for a JVM that would not exit.
readonly hard_limit_seconds=1800

build=true
if [[ "${1:-}" == --no-build ]]; then
	build=false
	shift
fi

trap portico_stop_started_upstream EXIT
portico_use_upstream benchmarking --fresh

if $build; then
	portico_log "building (./mvnw test-compile)"
	./mvnw -q -B -pl connection-manager -am test-compile dependency:build-classpath \
		-Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt
fi
[[ -s "$classpath_file" ]] || portico_die "$classpath_file is missing: run without --no-build first"

mapfile -t properties < <(portico_maven_properties)
cm="$PORTICO_HOME/connection-manager/target"
status=0
# conf/logback.xml (INFO, stanza logging off) rather than the tests' DEBUG file log, which would slow Portico down;
# WARN keeps the output to the figures.
# shellcheck disable=SC2086 # PORTICO_BENCH_JAVA_OPTS is a list of options
timeout --kill-after=10 "$hard_limit_seconds" java ${PORTICO_BENCH_JAVA_OPTS:--Xmx512m} \
	"-Dlogback.configurationFile=$PORTICO_HOME/conf/logback.xml" -Dportico.log.level=WARN \
	"${properties[@]}" \
	-cp "$cm/test-classes:$cm/classes:$(<"$classpath_file")" \
	"$main_class" "$@" || status=$?
exit "$status"
