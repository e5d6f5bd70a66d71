#!/bin/bash
# size-table.sh prints the README's size table: what a page downloads
# (the wasm built with -ldflags='-s -w', gzip -9) for each step of the
# stack, each probe a program of internal/sizeprobe.
#
#   scripts/size-table.sh            print the table's rows
#   scripts/size-table.sh --check F  fail if a row of F's table is off
#                                    by more than 1 % of its bytes
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bin
rows=(
	"internal/sizeprobe|the smallest page: \`client\`, one echo"
	"internal/sizeprobe/reconnect|+ \`reconnect\`"
	"internal/sizeprobe/reconnectjson|+ \`codec.JSON\` (encoding/json)"
	"internal/sizeprobe/reconnectrouter|+ a \`codec.Router\` (JSON envelopes)"
)
table() {
	for row in "${rows[@]}"; do
		pkg=${row%%|*}
		what=${row#*|}
		out=bin/$(basename "$pkg").table.wasm
		env GOOS=js GOARCH=wasm go build -ldflags='-s -w' -o "$out" "./$pkg"
		raw=$(stat -c %s "$out")
		gz=$(gzip -9 -c <"$out" | wc -c)
		printf '| %s | %s | %d | %d KB |\n' "$what" "$pkg" "$gz" $(((gz + 500) / 1000))
		: "$raw"
	done
}
if [ "${1:-}" != --check ]; then
	table
	exit 0
fi
file=$2
status=0
while IFS='|' read -r _ what pkg gz _; do
	pkg=$(echo "$pkg" | xargs)
	gz=$(echo "$gz" | xargs)
	documented=$(grep -F "| $pkg |" "$file" | awk -F'|' '{gsub(/[ ,]/, "", $4); print $4}')
	if [ -z "$documented" ]; then
		echo "size-table: $file has no row for $pkg; put in: |$what| $pkg | $gz | ..." >&2
		status=1
		continue
	fi
	diff=$((gz > documented ? gz - documented : documented - gz))
	if [ $((diff * 100)) -gt "$documented" ]; then
		echo "size-table: $pkg: $file says $documented bytes, the build is $gz (off by more than 1 %): run scripts/size-table.sh and update the table" >&2
		status=1
	fi
done < <(table)
[ $status = 0 ] && echo "size-table: $file's size table matches the builds (within 1 %)"
exit $status
