#!/usr/bin/env bash
# interop.sh runs a command with the interop servers up: the Node `ws`
# echo server and the Tornado echo server (internal/interop). It starts
# both on 127.0.0.1, waits until each has printed its URL, runs
#
#	scripts/interop.sh -- CMD [ARGS...]
#
# with DUPLEX_INTEROP_NODE_URL and DUPLEX_INTEROP_TORNADO_URL set, stops
# both servers however CMD ends (and the servers stop themselves if this
# script is killed), and exits with CMD's status. `make interop-deps`
# installs what the servers need. INTEROP_PYTHON names the Python that has
# Debian's python3-tornado (default /usr/bin/python3: a pyenv python3
# earlier on PATH does not see Debian's packages).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
python=${INTEROP_PYTHON:-/usr/bin/python3}
[ "${1:-}" = "--" ] && shift
if [ $# -eq 0 ]; then
	echo "usage: scripts/interop.sh -- CMD [ARGS...]" >&2
	exit 2
fi
if [ ! -d "$here/internal/interop/node/node_modules/ws" ]; then
	echo "interop: internal/interop/node/node_modules is missing: run 'make interop-deps'" >&2
	exit 1
fi

pids=()
names=()
stop() {
	local i p
	for p in "${pids[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	# Bounded: a server that has not gone after 3 s is killed.
	for i in "${!pids[@]}"; do
		p=${pids[$i]}
		for _ in $(seq 60); do
			kill -0 "$p" 2>/dev/null || continue 2
			sleep 0.05
		done
		echo "interop: ${names[$i]} ignored SIGTERM; killing it" >&2
		kill -KILL "$p" 2>/dev/null || true
	done
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start NAME VAR CMD...: starts CMD, reads the URL it prints first and
# exports it as VAR.
start() {
	local name=$1 var=$2 fd url
	shift 2
	exec {fd}< <(exec "$@")
	pids+=("$!")
	names+=("$name")
	local rc=0
	read -r -t 10 -u "$fd" url || rc=$?
	if [ "$rc" -gt 128 ]; then
		echo "interop: $name did not print its URL within 10 s (command: $*)" >&2
		exit 1
	elif [ "$rc" -ne 0 ]; then
		echo "interop: $name ended before printing its URL (command: $*)" >&2
		exit 1
	fi
	case $url in
	ws://127.0.0.1:*) ;;
	*)
		echo "interop: $name printed '$url', not a ws://127.0.0.1 URL" >&2
		exit 1
		;;
	esac
	export "$var=$url"
	echo "interop: $name on $url ($var)" >&2
}

start node-ws DUPLEX_INTEROP_NODE_URL node "$here/internal/interop/node/server.js"
start tornado DUPLEX_INTEROP_TORNADO_URL "$python" "$here/internal/interop/tornado/server.py"

status=0
"$@" || status=$?
exit "$status"
