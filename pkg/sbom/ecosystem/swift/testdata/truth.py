#!/usr/bin/env python3
"""Ground truth for the Package.resolved fixtures, read with Python's json
module, not vouch's code: every pin as name@version (name: the repository's
last path segment; version: the pinned version, or the revision for a branch
or commit pin) and its purl per purl-spec's swift type (namespace: host and
owner path of the repository URL). Usage: truth.py Package.resolved > truth.json"""
import json, sys
from urllib.parse import urlsplit

doc = json.load(open(sys.argv[1]))
pins = doc["object"]["pins"] if doc["version"] == 1 else doc["pins"]
pkgs, purls = [], []
for p in pins:
    loc = p.get("location") or p.get("repositoryURL")
    u = urlsplit(loc)
    path = u.path.strip("/")
    if path.endswith(".git"):
        path = path[:-4]
    owner, _, name = path.rpartition("/")
    state = p["state"]
    version = state.get("version") or state["revision"]
    pkgs.append(f"{name}@{version}")
    purls.append(f"pkg:swift/{u.hostname}/{owner}/{name}@{version}")
json.dump({"packages": sorted(pkgs), "production": sorted(pkgs), "edges": [], "purls": sorted(purls)},
          sys.stdout, indent=1)
print()
