#!/bin/sh
# chrome.sh prints the path of a Chrome or Chromium binary, installing
# Debian's chromium when none is on PATH and this runs as root with apt-get.
# Anything else it has to say goes to stderr; it exits non-zero when it
# cannot provide a browser.
set -eu
find_chrome() {
	for b in chromium google-chrome chromium-browser; do
		if p=$(command -v "$b" 2>/dev/null); then
			echo "$p"
			return 0
		fi
	done
	return 1
}
if find_chrome; then
	exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "chrome: none on PATH; installing Debian's chromium with apt-get" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2 || true
	apt-get install -y -qq --no-install-recommends chromium >&2
	if find_chrome; then
		exit 0
	fi
fi
echo "chrome: install Chromium or Google Chrome (e.g. 'sudo apt-get install chromium') so that one of chromium, google-chrome or chromium-browser is on PATH" >&2
exit 1
