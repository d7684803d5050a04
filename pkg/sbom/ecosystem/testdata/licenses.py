#!/usr/bin/env python3
"""Adds the declared licences a fixture's format carries to its truth.json
("licenses": name@version -> the licence as the file states it), read with
Python's json and plain text parsing, not vouch's code:

  npm-lock FILE      package-lock.json: each packages entry's "license"
                     (a string, or the "type" of an object)
  node-modules DIR   each package.json below DIR, the same field
  composer FILE      composer.lock: "license", a list meaning any one of
                     them: one entry as is, several "(A OR B)"
  apk FILE           the apk installed database: each record's L: line

A package whose file gives no licence is left out: the share of packages
with a licence is what the format carries.
Usage: licenses.py KIND PATH truth.json  (rewrites truth.json)"""
import json, os, sys

def npm_license(e):
    lic = e.get("license")
    if isinstance(lic, dict):
        lic = lic.get("type")
    return lic if isinstance(lic, str) and lic.strip() else None

def npm_lock(path):
    out = {}
    for key, e in json.load(open(path)).get("packages", {}).items():
        if key == "" or e.get("link"):
            continue
        name = e.get("name") or key.rsplit("node_modules/", 1)[-1]
        lic = npm_license(e)
        if lic:
            out[name + "@" + e.get("version", "")] = lic.strip()
    return out

def node_modules(path):
    out = {}
    for dirpath, _, files in os.walk(path):
        if "package.json" in files and "node_modules" in dirpath.split(os.sep):
            e = json.load(open(os.path.join(dirpath, "package.json")))
            lic = npm_license(e)
            if lic and e.get("name") and e.get("version"):
                out[e["name"] + "@" + e["version"]] = lic.strip()
    return out

def composer(path):
    lock = json.load(open(path))
    out = {}
    for p in lock.get("packages", []) + (lock.get("packages-dev") or []):
        lic = p.get("license") or []
        if lic:
            out[p["name"] + "@" + p["version"]] = lic[0] if len(lic) == 1 else "(" + " OR ".join(lic) + ")"
    return out

def apk(path):
    out = {}
    for record in open(path).read().split("\n\n"):
        f = dict(line.split(":", 1) for line in record.splitlines() if len(line) > 1 and line[1] == ":")
        if f.get("P") and f.get("V") and f.get("L", "").strip():
            out[f["P"] + "@" + f["V"]] = f["L"].strip()
    return out

kinds = {"npm-lock": npm_lock, "node-modules": node_modules, "composer": composer, "apk": apk}
truth = json.load(open(sys.argv[3]))
truth["licenses"] = kinds[sys.argv[1]](sys.argv[2])
with open(sys.argv[3], "w") as f:
    json.dump(truth, f, indent=1)
    f.write("\n")
