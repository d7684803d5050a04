#!/bin/sh
# Ground truth of an rpm database fixture, computed by rpm itself (Debian's
# rpm 4.18 package: apt-get install rpm), not by vouch's Go code: the
# packages (gpg-pubkey keys left out) with their License, and an edge from
# each package to every other one that provides (as a capability or an
# installed file) one of its requirements; rpmlib() features and rich
# "(a or b)" dependencies are not packages.
# Usage: sh truth.sh <fixture dir> > <fixture dir>/truth.json
set -e
db=$(mktemp -d)
trap 'rm -rf "$db"' EXIT
for f in "$1"/var/lib/rpm/*.gz; do
	gzip -dc "$f" > "$db/$(basename "$f" .gz)"
done
rpm -qa --dbpath "$db" --qf 'L\t%{NAME}@%{VERSION}-%{RELEASE}\t%{LICENSE}\n[R\t%{=NAME}@%{=VERSION}-%{=RELEASE}\t%{REQUIRENAME}\n][P\t%{=NAME}@%{=VERSION}-%{=RELEASE}\t%{PROVIDENAME}\n][F\t%{=NAME}@%{=VERSION}-%{=RELEASE}\t%{FILENAMES}\n]' 2>/dev/null |
python3 -c '
import json, sys
lic, req, prov = {}, {}, {}
for line in sys.stdin:
    kind, pkg, val = line.rstrip("\n").split("\t", 2)
    if pkg.startswith("gpg-pubkey@"):
        continue
    if kind == "L":
        lic[pkg] = val
    elif kind == "R":
        req.setdefault(pkg, []).append(val)
    elif val != "(none)":
        prov.setdefault(val, set()).add(pkg)
for p in lic:
    prov.setdefault(p.split("@")[0], set()).add(p)
edges = {p + " -> " + t for p, rs in req.items() for r in rs
         if not r.startswith(("rpmlib(", "(")) for t in prov.get(r, ()) if t != p}
pkgs = sorted(lic)
json.dump({"packages": pkgs, "production": pkgs, "edges": sorted(edges), "licenses": lic},
          sys.stdout, indent=1, sort_keys=True)
print()'
