#!/bin/sh
# interop-deps.sh installs what the interop servers need (internal/interop):
# the pinned npm `ws` through `npm ci` (skipped while node_modules is newer
# than package-lock.json), and Debian's python3-tornado for INTEROP_PYTHON
# (default /usr/bin/python3). Like chrome.sh, it installs Debian packages
# when it runs as root with apt-get, and otherwise stops with one line
# saying what to install.
set -eu
cd "$(dirname "$0")/.."
python=${INTEROP_PYTHON:-/usr/bin/python3}
node_dir=internal/interop/node
stamp=$node_dir/node_modules/.package-lock.json

can_apt() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }

apt_updated=
apt_install() {
	export DEBIAN_FRONTEND=noninteractive
	if [ -z "$apt_updated" ]; then
		apt-get update -qq >&2 || true
		apt_updated=1
	fi
	apt-get install -y -qq --no-install-recommends "$@" >&2
}

# Node.js and npm, for the ws server.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	if can_apt; then
		echo "interop: node or npm missing; installing Debian's nodejs and npm with apt-get" >&2
		apt_install nodejs npm
	fi
	if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
		echo "interop: install Node.js 18 or later with npm (e.g. 'sudo apt-get install nodejs npm') so that node and npm are on PATH" >&2
		exit 1
	fi
fi
if [ ! -f "$stamp" ] || [ "$node_dir/package-lock.json" -nt "$stamp" ] || [ "$node_dir/package.json" -nt "$stamp" ]; then
	echo "interop: npm ci in $node_dir" >&2
	(cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
	touch "$stamp"
fi

# Debian's python3-tornado, for the Tornado server.
if ! "$python" -c 'import tornado.websocket' >/dev/null 2>&1; then
	if [ "$python" = /usr/bin/python3 ] && can_apt; then
		echo "interop: $python cannot import tornado; installing Debian's python3 and python3-tornado with apt-get" >&2
		apt_install python3 python3-tornado
	fi
	if ! "$python" -c 'import tornado.websocket' >/dev/null 2>&1; then
		echo "interop: install Debian's python3-tornado (e.g. 'sudo apt-get install python3-tornado'), or set INTEROP_PYTHON to a Python that has tornado" >&2
		exit 1
	fi
fi
