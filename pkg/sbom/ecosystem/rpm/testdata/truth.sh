#!/bin/sh
# Ground truth of an rpm database fixture, computed by rpm itself (Debian's
# rpm 4.18 package: apt-get install rpm), not by vouch's Go code.
# Usage: sh truth.sh <fixture dir> > <fixture dir>/truth.json
set -e
db=$(mktemp -d)
trap 'rm -rf "$db"' EXIT
for f in "$1"/var/lib/rpm/*.gz; do
	gzip -dc "$f" > "$db/$(basename "$f" .gz)"
done
rpm -qa --dbpath "$db" --qf '%{NAME}\t%{VERSION}-%{RELEASE}\t%{LICENSE}\n' 2>/dev/null |
python3 -c '
import json, sys
rows = [l.rstrip("\n").split("\t") for l in sys.stdin if not l.startswith("gpg-pubkey\t")]
pkgs = sorted(n + "@" + v for n, v, _ in rows)
json.dump({"packages": pkgs, "production": pkgs, "edges": [],
           "licenses": {n + "@" + v: l for n, v, l in rows}}, sys.stdout, indent=1, sort_keys=True)
print()'
