#!/usr/bin/env bash
# vouch vuln against govulncheck -mode binary on real Go binaries: the
# advisory ids per module and their level (called / imported / required),
# both raw and with govulncheck's module of each package corrected to the
# longest module path holding it (what vouch does; govulncheck v1.9.0
# picks a random prefix module, see bench/VULN.md "Real binaries"). Then
# wall time, CPU and peak RSS of each tool (GNU time), RUNS runs each,
# alternating. CI never runs it; bench/VULN.md holds a run's figures.
#
#   bench/govulncheck-compare.sh BINARY...
#   VOUCH=/tmp/rw/vouch GOVULNCHECK=/tmp/rw/govulncheck RUNS=3 bench/govulncheck-compare.sh /work/bin/syft
#
# Needs: vouch ($VOUCH, else vouch on PATH), govulncheck v1.9.0
# ($GOVULNCHECK; build it by hand from the module cache:
# go build golang.org/x/vuln/cmd/govulncheck in a module requiring
# golang.org/x/vuln v1.9.0), unzip, python3, /usr/bin/time. Offline: both
# read testdata/osv (govulncheck the Go records unzipped into a temporary
# folder, as file://).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
vouch=${VOUCH:-$(command -v vouch || true)}
gvc=${GOVULNCHECK:-$(command -v govulncheck || true)}
runs=${RUNS:-3}
if [ -z "$vouch" ] || [ -z "$gvc" ]; then
  echo "govulncheck-compare: skipped: set VOUCH and GOVULNCHECK" >&2
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/godb"
unzip -q "$root/testdata/osv/Go/all.zip" -d "$tmp/godb"

for bin in "$@"; do
  b=$(basename "$bin")
  "$vouch" vuln "$bin" --db "$root/testdata/osv" -q -o json >"$tmp/$b.vouch.json" || true
  "$gvc" -mode binary -db "file://$tmp/godb" -format json "$bin" >"$tmp/$b.gvc.json"
  echo "== $b"
  python3 "$root/bench/govulncheck-compare.py" "$tmp/$b.gvc.json" "$tmp/$b.vouch.json"
  for i in $(seq "$runs"); do
    for tool in vouch govulncheck; do
      if [ $tool = vouch ]; then cmd=("$vouch" vuln "$bin" --db "$root/testdata/osv" -q -o json)
      else cmd=("$gvc" -mode binary -db "file://$tmp/godb" -format json "$bin"); fi
      load=$(cut -d' ' -f1 /proc/loadavg)
      /usr/bin/time -f "%e %U %S %M" -o "$tmp/time" "${cmd[@]}" >/dev/null 2>&1 || true
      read -r wall user sys rss <"$tmp/time"
      echo "$b $tool run$i load=$load wall=${wall}s cpu=$(python3 -c "print(round($user+$sys,2))")s maxrss=$((rss / 1024))MiB"
    done
  done
done
