#!/usr/bin/env bash
# The system packages Portico's scripts need, per purpose, and the one place that installs them. scripts/test.sh,
# scripts/demo.sh and scripts/upstream-start.sh source this file and call portico_prerequisites, so the README's two
# commands set up a fresh Debian or Ubuntu machine themselves; .ci/run only calls scripts/test.sh.
#
#   scripts/prerequisites.sh [--dry-run] upstream|ejabberd|demo|test
#
# Run by hand it installs (or, with --dry-run, only lists) what the purpose needs and is missing. Nothing is
# installed, and root is not asked for, when everything is there. Otherwise it says which packages it installs and
# why, then runs apt-get as root (through sudo when not root, which may ask for a password). The JDK is not installed
# here: see README.md, "Two commands".
#
# A later need (a second XMPP server, Node for the JavaScript client tests, a reverse proxy) goes into the list of
# the purpose that needs it, here and nowhere else.

# Prosody and the modules conf/prosody.cfg.lua.template loads; openssl makes its certificate.
portico_packages_upstream=(prosody prosody-modules openssl ca-certificates)
# The demo runs Portico in front of the local Prosody; the JDK builds and runs Portico.
portico_packages_demo=("${portico_packages_upstream[@]}")
# The second upstream (scripts/ejabberd-start.sh): ejabberd; curl creates its accounts through its admin API.
portico_packages_ejabberd=(ejabberd openssl curl ca-certificates)
# The whole suite: the end-to-end tests need both upstreams, the browser tests Chromium and its WebDriver, the
# reverse-proxy test nginx (run as the test's own process on loopback, never as Debian's service), the cluster test
# HAProxy in front of three Portico nodes (the same: its own process on loopback).
portico_packages_test=("${portico_packages_upstream[@]}" ejabberd curl chromium chromium-driver nginx haproxy)
# The interop suite's JavaScript clients run under Node.js with npm (interop/src/test/js). These are checked by
# command, not by package: a machine may have Node.js from elsewhere (NodeSource's nodejs package bundles npm, and
# Debian's npm package would conflict with it), and the suite needs Node.js 20.10 or newer, which it checks itself.
portico_commands_test=(node npm)
portico_commands_packages_test=(nodejs npm)

portico_prerequisites_log() {
	printf '[portico] %s\n' "$*" >&2 || true
}

portico_prerequisites_die() {
	printf '[portico] ERROR: %s\n' "$*" >&2
	exit 1
}

# Prints, one a line, the packages of the list that dpkg does not have installed.
portico_missing_packages() {
	local pkg
	for pkg in "$@"; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$' || printf '%s\n' "$pkg"
	done
}

# Installs what `purpose` needs and is missing; with dry_run=true only says what that would be.
portico_prerequisites() { # purpose [dry_run]
	local purpose="$1" dry_run="${2:-false}"
	[[ "$purpose" =~ ^(upstream|ejabberd|demo|test)$ ]] \
		|| portico_prerequisites_die "unknown purpose '$purpose' (upstream, ejabberd, demo or test)"
	local -n wanted="portico_packages_$purpose"
	if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
		portico_prerequisites_log "not a Debian-like system (no apt-get): make sure these, or their equivalents, are" \
			"installed: ${wanted[*]}"
		return 0
	fi
	local missing=()
	mapfile -t missing < <(portico_missing_packages "${wanted[@]}")
	if [[ "$purpose" == test ]] && ! portico_have_commands "${portico_commands_test[@]}"; then
		missing+=("${portico_commands_packages_test[@]}")
	fi
	((${#missing[@]} == 0)) && return 0

	portico_prerequisites_log "the $purpose run needs Debian packages that are missing: ${missing[*]}"
	if $dry_run; then
		portico_prerequisites_log "dry run: would run apt-get update and apt-get install ${missing[*]}"
		return 0
	fi
	local sudo=()
	if ((EUID != 0)); then
		command -v sudo >/dev/null 2>&1 \
			|| portico_prerequisites_die "installing them needs root: run 'apt-get install ${missing[*]}' as root"
		sudo=(sudo)
		portico_prerequisites_log "installing them with sudo apt-get (root is needed for this step only)"
	else
		portico_prerequisites_log "installing them with apt-get"
	fi

	# Debian starts the system-wide Prosody, ejabberd, nginx or HAProxy (on all interfaces; ejabberd with epmd)
	# right after installing it; the scripts and tests run their own instances on loopback, so keep the services
	# from starting, unless the machine already has a policy of its own.
	local policy=/usr/sbin/policy-rc.d added_policy=false status=0
	if [[ " ${missing[*]} " =~ \ (prosody|ejabberd|nginx|haproxy)\  && ! -e "$policy" ]]; then
		printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
		"${sudo[@]}" chmod 755 "$policy"
		added_policy=true
	fi
	"${sudo[@]}" apt-get update -q \
		&& "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" \
		|| status=$?
	if $added_policy; then
		"${sudo[@]}" rm -f "$policy"
	fi
	((status == 0)) || portico_prerequisites_die "apt-get install ${missing[*]} failed (status $status)"
	mapfile -t missing < <(portico_missing_packages "${wanted[@]}")
	((${#missing[@]} == 0)) || portico_prerequisites_die "still missing after apt-get: ${missing[*]}"
	if [[ "$purpose" == test ]]; then
		portico_have_commands "${portico_commands_test[@]}" \
			|| portico_prerequisites_die "still missing after apt-get: ${portico_commands_test[*]}"
	fi
}

# True when every command is on PATH.
portico_have_commands() {
	local command
	for command in "$@"; do
		command -v "$command" >/dev/null 2>&1 || return 1
	done
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
	set -euo pipefail
	dry_run=false
	if [[ "${1:-}" == --dry-run ]]; then
		dry_run=true
		shift
	fi
	(($# == 1)) || portico_prerequisites_die "usage: scripts/prerequisites.sh [--dry-run] upstream|ejabberd|demo|test"
	portico_prerequisites "$1" "$dry_run"
fi
