#!/usr/bin/env python3
"""Ground truth for the composer.lock fixtures, with Python's json (not
vouch's code): packages as name@version, "packages" as production, and edges
from each "require" to the packages that are, provide or replace the
required name (platform requirements php, ext-*, lib-*, composer-*-api left out).
Usage: truth.py composer.lock > truth.json"""
import json, sys

lock = json.load(open(sys.argv[1]))
prod = lock.get("packages") or []
dev = lock.get("packages-dev") or []
key = lambda p: p["name"] + "@" + p["version"]
prov = {}
for p in prod + dev:
    for n in [p["name"]] + list((p.get("provide") or {}).keys()) + list((p.get("replace") or {}).keys()):
        prov.setdefault(n.lower(), []).append(p)
platform = lambda n: n == "php" or n.startswith(("php-", "ext-", "lib-")) or n in ("composer-plugin-api", "composer-runtime-api", "composer", "hhvm")
edges = set()
for p in prod + dev:
    for r in (p.get("require") or {}):
        if not platform(r.lower()):
            for t in prov.get(r.lower(), []):
                if key(t) != key(p):
                    edges.add(key(p) + " -> " + key(t))
json.dump({"packages": sorted({key(p) for p in prod + dev}), "production": sorted({key(p) for p in prod}),
           "edges": sorted(edges)}, sys.stdout, indent=1)
print()
