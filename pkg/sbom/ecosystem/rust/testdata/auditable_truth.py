#!/usr/bin/env python3
"""Ground truth of a cargo-auditable binary, independent of vouch's Go code.

binutils' objcopy dumps the .dep-v0 section; Python's zlib and json read it.
Usage: python3 auditable_truth.py <binary> > truth.json
"""
import json, os, subprocess, sys, tempfile, zlib

binary = sys.argv[1]
with tempfile.TemporaryDirectory() as tmp:
    sec = os.path.join(tmp, "dep")
    subprocess.run(["objcopy", "--dump-section", ".dep-v0=" + sec, binary,
                    os.path.join(tmp, "out")], check=True)
    info = json.loads(zlib.decompress(open(sec, "rb").read()))
pkgs = info["packages"]
key = ["" if p.get("root") else p["name"] + "@" + p["version"] for p in pkgs]
truth = {
    "packages": sorted(k for k in key if k),
    "production": sorted(k for p, k in zip(pkgs, key) if k and p.get("kind", "runtime") != "build"),
    "edges": sorted(key[i] + " -> " + key[d] for i, p in enumerate(pkgs) for d in p.get("dependencies", [])),
    "licenses": {},
}
json.dump(truth, sys.stdout, indent=1, sort_keys=True)
print()
