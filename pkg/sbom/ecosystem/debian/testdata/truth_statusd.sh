#!/bin/sh
# Ground truth of a distroless status.d fixture: its entries become one
# status file (each marked installed, as distroless leaves them) that
# dpkg-query lists through truth.py, not vouch's Go code.
# Usage: sh truth_statusd.sh <root>/var/lib/dpkg/status.d > truth.json
set -e
admin=$(mktemp -d)
trap 'rm -rf "$admin"' EXIT
for f in "$1"/*; do
	case "$f" in *.md5sums) continue ;; esac
	{ echo "Status: install ok installed"; cat "$f"; echo; } >> "$admin/status"
done
mkdir -p "$admin/info" "$admin/updates"
python3 "$(dirname "$0")/truth.py" "$admin"
