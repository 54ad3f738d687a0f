#!/usr/bin/env bash
# Fuzzes Portico's parsers with Jazzer, one target after the other, for a fixed number of inputs each:
#
#   scripts/fuzz.sh [target ...]          targets: xml stream plain bosh websocket script (default: all six)
#   FUZZ_INPUTS=1000000 scripts/fuzz.sh   inputs per target (default 1,000,000)
#
# Each target is a @FuzzTest in connection-manager (see docs/reliability.md): Maven's test phase runs it with
# JAZZER_FUZZ=1 and -Djazzer.max_executions, coverage-guided over Portico's classes and Woodstox. Inputs that
# found new coverage are kept in connection-manager/.cifuzz-corpus/ (not committed); an input that breaks an
# invariant is written next to the committed seeds (src/test/resources/org/portico/<package>/<Class>Inputs/
# <method>/crash-…), where every later build runs it as a regression test, and the target fails. For each target
# the script prints the inputs run, the time taken and the findings, from libFuzzer's own summary. Runs with
# `nice -n 10` and a 1 GiB heap: it uses one core fully for several minutes per target. Stopping it (Ctrl-C) makes
# Jazzer save the input it was running as a crash-… file; delete that one, it found nothing.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$PORTICO_HOME"

inputs="${FUZZ_INPUTS:-1000000}"
declare -A tests=(
	[xml]=org.portico.xml.XmlParserFuzzTest
	[stream]=org.portico.xml.XmlStreamParserFuzzTest
	[plain]=org.portico.xml.PlainElementFuzzTest
	[bosh]=org.portico.bosh.BoshRequestFuzzTest
	[websocket]=org.portico.websocket.FramingCodecFuzzTest
	[script]=org.portico.bosh.ScriptSyntaxFuzzTest
)
targets=("$@")
if ((${#targets[@]} == 0)); then
	targets=(xml stream plain bosh websocket script)
fi
for target in "${targets[@]}"; do
	[[ -n "${tests[$target]:-}" ]] || portico_die "unknown target '$target' (one of: ${!tests[*]})"
done

status=0
for target in "${targets[@]}"; do
	test="${tests[$target]}"
	portico_log "fuzzing $target ($test) for $inputs inputs"
	start=$(date +%s)
	log="connection-manager/target/fuzz-$target.log"
	mkdir -p "$(dirname "$log")"
	result=0
	# a bounded heap keeps one campaign from taking the memory of a shared machine
	JAVA_TOOL_OPTIONS=-Xmx1g JAZZER_FUZZ=1 nice -n 10 "$PORTICO_HOME/mvnw" -B -q -pl connection-manager -am test \
		-Dtest="$test" -Dsurefire.failIfNoSpecifiedTests=false \
		-Djazzer.max_executions="$inputs" -Djazzer.max_duration= \
		-Djazzer.instrumentation_includes='org.portico.**:com.ctc.wstx.**' >"$log" 2>&1 || result=$?
	seconds=$(($(date +%s) - start))
	# libFuzzer writes its progress and summary to the console of the test JVM, so to Maven's output
	summary=$(grep -E '^Done [0-9]+ runs in' "$log" | tail -1 || true)
	coverage=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 | sed -E 's/ +/ /g' || true)
	findings=$(grep -c 'Test unit written to' "$log" || true)
	portico_log "$target: ${summary:-no libFuzzer summary} (${seconds}s with Maven); ${coverage:-}; findings: $findings"
	if ((result != 0)); then
		portico_log "$target: FAILED, see $log and the crash-* input under connection-manager/src/test/resources"
		status=1
	fi
done
exit "$status"
