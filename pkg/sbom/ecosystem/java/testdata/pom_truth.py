#!/usr/bin/env python3
"""Ground truth of a pom.xml fixture, read with Python's xml.etree, not
vouch's Go code: the project's <dependencies> (not dependencyManagement,
plugins or profiles) as group:artifact@version, ${...} versions resolved
from the pom's own <properties> and project coordinates (left empty when the
pom does not define them: a parent's), test scope as not production, and an
edge from the project ("") to each.
Usage: pom_truth.py <pom.xml> > truth.json"""
import json, re, sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
ns = {"m": root.tag[1:].split("}")[0]} if root.tag.startswith("{") else {"m": ""}
def q(path):
    return "/".join(("m:" + p) if ns["m"] else p for p in path.split("/"))
def text(el, path):
    e = el.find(q(path), ns)
    return (e.text or "").strip() if e is not None else ""
props = {}
props_el = root.find(q("properties"), ns)
if props_el is not None:
    for e in props_el:
        props[e.tag.split("}")[-1]] = (e.text or "").strip()
props["project.version"] = text(root, "version") or text(root, "parent/version")
props["project.groupId"] = text(root, "groupId") or text(root, "parent/groupId")
def interp(s):
    for _ in range(8):
        s = re.sub(r"\$\{([^}]+)\}", lambda m: props.get(m.group(1), m.group(0)), s)
    return "" if "${" in s else s
pkgs, prod, edges = set(), set(), set()
for d in root.findall(q("dependencies/dependency"), ns):
    k = "%s:%s@%s" % (interp(text(d, "groupId")), interp(text(d, "artifactId")), interp(text(d, "version")))
    pkgs.add(k)
    edges.add(" -> " + k)
    if text(d, "scope") != "test":
        prod.add(k)
json.dump({"packages": sorted(pkgs), "production": sorted(prod), "edges": sorted(edges), "licenses": {}},
          sys.stdout, indent=1, sort_keys=True)
print()
