#!/usr/bin/env bash
# Runs Portico's whole test suite against real upstreams on loopback, Prosody and ejabberd:
#
#   scripts/test.sh [extra Maven arguments]
#   scripts/test.sh -pl connection-manager -am -Dtest=BoshSessionTest -Dsurefire.failIfNoSpecifiedTests=false
#
# First installs the system packages the tests need when they are missing (scripts/prerequisites.sh, purpose
# "test": Prosody, ejabberd, Chromium and its driver, Node.js), asking for root only then. Starts both upstreams
# (scripts/upstream-start.sh --fresh and scripts/ejabberd-start.sh --fresh: known accounts, empty archives), runs
# `./mvnw -B verify` with the settings of scripts/env.sh as system properties, and stops the upstreams again,
# whatever the outcome. Exits with Maven's status. When an upstream for the same run directory and ports is already
# running (say the demo in another terminal), the tests use it and leave it running.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
# shellcheck source=scripts/prerequisites.sh
source "$PORTICO_HOME/scripts/prerequisites.sh"
cd "$PORTICO_HOME"

portico_prerequisites test

trap portico_stop_started_upstream EXIT
portico_use_upstream testing --fresh
portico_use_ejabberd testing --fresh

mapfile -t properties < <(portico_maven_properties)
portico_log "JAVA_HOME=$JAVA_HOME"
portico_log "./mvnw -B verify ${properties[*]} $*"
status=0
# portico.e2e.required: an end-to-end test that cannot reach Prosody fails here instead of skipping.
./mvnw -B verify "${properties[@]}" -Dportico.e2e.required=true "$@" || status=$?
exit "$status"
