#!/usr/bin/env python3
"""Ground truth for the dpkg fixture: the installed packages as dpkg itself
lists them (dpkg-query --admindir, status "ii"), not vouch's code, and edges
from Pre-Depends/Depends alternatives (":arch", "(version)" and "[arch]"
dropped) to every installed package that is or Provides one.
Usage: truth.py <root>/var/lib/dpkg > truth.json"""
import json, re, subprocess, sys

fmt = "${db:Status-Abbrev}\\t${Package}\\t${Version}\\t${Pre-Depends}\\t${Depends}\\t${Provides}\\n"
out = subprocess.run(["dpkg-query", "--admindir=" + sys.argv[1], "-W", "-f=" + fmt],
                     check=True, capture_output=True, text=True).stdout
rows = [l.split("\t") for l in out.splitlines()]
rows = [r for r in rows if r[0].startswith("ii")]

def names(field):
    groups = []
    for g in field.split(","):
        alts = [re.split(r"[\s(\[<:]", a.strip())[0] for a in g.split("|")]
        alts = [a for a in alts if a]
        if alts:
            groups.append(alts)
    return groups

prov = {}
for st, name, ver, pre, dep, provides in rows:
    for n in [name] + [a for g in names(provides) for a in g]:
        prov.setdefault(n, set()).add(name + "@" + ver)
edges = set()
for st, name, ver, pre, dep, provides in rows:
    for g in names(pre) + names(dep):
        for a in g:
            for t in prov.get(a, ()):
                if t != name + "@" + ver:
                    edges.add(name + "@" + ver + " -> " + t)
pkgs = sorted({r[1] + "@" + r[2] for r in rows})
json.dump({"packages": pkgs, "production": pkgs, "edges": sorted(edges)}, sys.stdout, indent=1)
print()
