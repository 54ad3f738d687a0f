#!/usr/bin/env bash
# Builds Portico and runs it in the foreground (Ctrl-C stops it). It does not start the upstream: use
# scripts/demo.sh for both, or scripts/upstream-start.sh first.
#
#   scripts/portico-run.sh [--build-only | --no-build] [arguments for Portico]
#
# Environment (besides scripts/env.sh):
#   PORTICO_CONFIG      conf/portico.properties   Portico's configuration file
#   PORTICO_JAVA_OPTS   (empty)                   extra JVM options, e.g. -Xmx256m; they come after the defaults
#                                                 below, so each default can be overridden here
#   PORTICO_AOT_CACHE   (empty)                   on Java 25+, a file for the JVM's ahead-of-time cache, as for
#                                                 bin/portico: a run without it records it and writes it when it
#                                                 stops, later runs start with it (distribution/src/bin/
#                                                 portico-aot-option decides, and says why)
#   PORTICO_CFG_*       (none)                    overrides of configuration keys (http.port -> PORTICO_CFG_HTTP_PORT);
#                                                 PORTICO_HTTP_PORT, PORTICO_DOMAIN and PORTICO_XMPP_PORT are turned
#                                                 into PORTICO_CFG_HTTP_PORT, PORTICO_CFG_ADMIN_PORT and
#                                                 PORTICO_CFG_UPSTREAM_DOMAIN_<domain>
#
# Default JVM options: those of the distribution's bin/portico, printed (with why) by
# distribution/src/bin/portico-jvm-options for the JDK that runs Portico.
# Portico runs with conf/logback.xml and with the settings of scripts/env.sh as system properties
# (portico.xmpp.port, portico.domain, ... see README.md).
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$PORTICO_HOME"

readonly main_class=org.portico.server.Portico
readonly classpath_file="$PORTICO_HOME/web-demo/target/classpath.txt"
config="${PORTICO_CONFIG:-$PORTICO_HOME/conf/portico.properties}"

build=true
run=true
case "${1:-}" in
	--build-only) run=false; shift ;;
	--no-build) build=false; shift ;;
esac

if $build; then
	portico_log "building Portico (./mvnw -q -DskipTests package); the first build downloads Maven and the" \
		"dependencies, about 100 MB, and prints nothing until it is done"
	# The web demo depends on everything else, so its runtime classpath is Portico's.
	./mvnw -q -B -DskipTests -pl web-demo -am package dependency:build-classpath \
		-DincludeScope=runtime -Dmdep.outputFile=target/classpath.txt
fi
$run || exit 0

[[ -s "$classpath_file" ]] || portico_die "$classpath_file is missing: build first (scripts/portico-run.sh --build-only)"
# The web demo's jar, not its classes directory: the JVM refuses an ahead-of-time cache with a directory of classes on
# the class path. The build (package) makes it; exactly one, so that a jar of an earlier version is never run.
demo_jars=("$PORTICO_HOME"/web-demo/target/web-demo-*.jar)
[[ ${#demo_jars[@]} -eq 1 && -f "${demo_jars[0]}" ]] \
	|| portico_die "expected one web-demo/target/web-demo-*.jar, found: ${demo_jars[*]} (build: scripts/portico-run.sh --build-only)"
[[ -r "$config" ]] || portico_die "Portico's configuration $config is missing (set PORTICO_CONFIG)"

# The scripts' variables (scripts/env.sh) are not Portico's configuration: PORTICO_CFG_* variables are, each
# overriding one key of the configuration file (http.port -> PORTICO_CFG_HTTP_PORT), and one that names no key stops
# Portico. Translate ours into them, pointing Portico at the local upstream; an operator's own PORTICO_CFG_* wins.
domain_variable="PORTICO_CFG_UPSTREAM_DOMAIN_$(printf '%s' "$PORTICO_DOMAIN" | tr 'a-z.' 'A-Z_' | sed 's/-/__/g')"
export "$domain_variable=${!domain_variable:-$PORTICO_UPSTREAM_HOST:$PORTICO_XMPP_PORT required}"
export PORTICO_CFG_HTTP_PORT="${PORTICO_CFG_HTTP_PORT:-$PORTICO_HTTP_PORT}"
export PORTICO_CFG_ADMIN_PORT="${PORTICO_CFG_ADMIN_PORT:-$PORTICO_ADMIN_PORT}"
export PORTICO_CFG_UPSTREAM_TRUSTSTORE="${PORTICO_CFG_UPSTREAM_TRUSTSTORE:-$PORTICO_UPSTREAM_CA}"

jdk_release="$(portico_jdk_release "$JAVA_HOME")"
# Read through a variable, not a process substitution, so that a failing options script stops here instead of
# starting Portico with none of its defaults.
jvm_options_text="$(PORTICO_JAVA_OPTS="${PORTICO_JAVA_OPTS:-}" \
	"$PORTICO_HOME/distribution/src/bin/portico-jvm-options" "${jdk_release:-0}")" \
	|| portico_die "distribution/src/bin/portico-jvm-options failed for Java ${jdk_release:-unknown}"
mapfile -t default_jvm_options <<<"$jvm_options_text"

classpath="${demo_jars[0]}:$(<"$classpath_file")"
IFS=: read -ra classpath_entries <<<"$classpath"
aot="$(PORTICO_JAVA_OPTS="${PORTICO_JAVA_OPTS:-}" "$PORTICO_HOME/distribution/src/bin/portico-aot-option" \
	"${PORTICO_AOT_CACHE:-}" java "${classpath_entries[@]}")" \
	|| portico_die "distribution/src/bin/portico-aot-option failed for $PORTICO_AOT_CACHE"
case "$aot" in
	-XX:AOTCacheOutput=*) portico_log "recording the ahead-of-time cache ${aot#*=}; it is written when Portico stops" ;;
	-XX:AOTCache=*) portico_log "starting with the ahead-of-time cache ${aot#*=}" ;;
esac

mapfile -t properties < <(portico_maven_properties)
# shellcheck disable=SC2086 # PORTICO_JAVA_OPTS is a list of options
exec java "${default_jvm_options[@]}" ${PORTICO_JAVA_OPTS:-} ${aot:+"$aot"} \
	"-Dlogback.configurationFile=$PORTICO_HOME/conf/logback.xml" \
	"${properties[@]}" \
	-cp "$classpath" \
	"$main_class" --config "$config" "$@"
