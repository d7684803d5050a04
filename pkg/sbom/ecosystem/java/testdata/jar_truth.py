#!/usr/bin/env python3
"""Ground truth of a Java archive fixture, read with Python's zipfile, not
vouch's Go code: every META-INF/maven/*/*/pom.properties as group:artifact@version;
the archive itself is the artifact of its only pom.properties (or the one its
file name "artifact-version", its manifest's Implementation-Title or
Bundle-SymbolicName, or else its manifest's version names), otherwise
"<manifest name or file name>@<manifest version>"; edges from each archive to
the other artifacts shaded into it and to the archives nested in it
(.jar/.war/.ear/...), the outer archive being "".
Usage: jar_truth.py <archive> > <archive>.truth.json"""
import io, json, os, sys, zipfile

EXT = (".jar", ".war", ".ear", ".jpi", ".hpi", ".par", ".sar", ".nar", ".kar", ".rar")

def props(text):
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#!":
            continue
        i = min([j for j in (line.find("="), line.find(":")) if j >= 0], default=-1)
        if i >= 0:
            out[line[:i].strip()] = line[i + 1:].strip()
    return out

def manifest(text):
    out, last = {}, None
    for line in text.replace("\r", "").split("\n"):
        if line == "":
            break
        if line.startswith(" ") and last:
            out[last] += line[1:]
        elif ":" in line:
            k, v = line.split(":", 1)
            last = k.strip()
            out[last] = v.strip()
    return out

def identity(poms, mf, base):
    stem = os.path.splitext(base)[0]
    sym = mf.get("Bundle-SymbolicName", "").split(";")[0].strip()
    mver = mf.get("Bundle-Version") or mf.get("Implementation-Version", "")
    if len(poms) == 1:
        return poms[0]
    for g, a, v in poms:
        if stem in (a + "-" + v, a):
            return (g, a, v)
    for g, a, v in poms:
        if mf.get("Implementation-Title") == a or sym == g + "." + a:
            return (g, a, v)
    same = [p for p in poms if mver and p[2] == mver]
    if len(same) == 1:
        return same[0]
    return None

def walk(data, base, outer, pkgs, edges):
    z = zipfile.ZipFile(io.BytesIO(data))
    poms, mf, nested = [], {}, []
    for n in z.namelist():
        if n.startswith("META-INF/maven/") and n.endswith("/pom.properties"):
            p = props(z.read(n).decode("utf-8", "replace"))
            if p.get("groupId") and p.get("artifactId") and p.get("version"):
                poms.append((p["groupId"], p["artifactId"], p["version"]))
        elif n.upper() == "META-INF/MANIFEST.MF":
            mf = manifest(z.read(n).decode("utf-8", "replace"))
        elif n.lower().endswith(EXT):
            nested.append(n)
    own = identity(poms, mf, base)
    if own:
        key = "%s:%s@%s" % own
    else:
        name = mf.get("Bundle-SymbolicName", "").split(";")[0].strip() or mf.get("Implementation-Title") or base
        key = name + "@" + (mf.get("Bundle-Version") or mf.get("Implementation-Version", ""))
    me = "" if outer else key
    if not outer:
        pkgs.add(key)
    for p in poms:
        if p != own:
            k = "%s:%s@%s" % p
            pkgs.add(k)
            edges.add(me + " -> " + k)
    for n in nested:
        edges.add(me + " -> " + walk(z.read(n), os.path.basename(n), False, pkgs, edges))
    return key

pkgs, edges = set(), set()
walk(open(sys.argv[1], "rb").read(), os.path.basename(sys.argv[1]), True, pkgs, edges)
json.dump({"packages": sorted(pkgs), "production": sorted(pkgs), "edges": sorted(edges), "licenses": {}},
          sys.stdout, indent=1, sort_keys=True)
print()
