"""Compare govulncheck's JSON stream with vouch vuln -o json: the advisory
ids per module at the deepest level each reports. Prints the differences,
raw and with govulncheck's package frames given to the longest module path
holding the package. Used by bench/govulncheck-compare.sh."""
import json
import sys
import urllib.parse

ORDER = {"required": 0, "imported": 1, "called": 2}


def messages(path):
    dec, text, i = json.JSONDecoder(), open(path).read(), 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return
        obj, i = dec.raw_decode(text, i)
        yield obj


def under(pkg, mod):
    return pkg == mod or pkg.startswith(mod + "/")


def govulncheck(path, normalize):
    msgs = list(messages(path))
    mods = [m["path"] for o in msgs if "SBOM" in o for m in o["SBOM"]["modules"]]
    found = {}
    for o in msgs:
        f = o.get("finding")
        if not f:
            continue
        fr = f["trace"][0]
        mod, pkg = fr["module"], fr.get("package", "")
        if normalize and pkg and under(pkg, mod):
            mod = max((m for m in mods if under(pkg, m)), key=len, default=mod)
        lvl = "called" if "function" in fr else "imported" if pkg else "required"
        key = (mod, f["osv"])
        if ORDER[lvl] > ORDER.get(found.get(key), -1):
            found[key] = lvl
    return found


def vouch(path):
    found = {}
    for f in json.load(open(path)).get("findings", []):
        v = f.get("vulnerability") or {}
        purl = f.get("purl", "")
        mod = urllib.parse.unquote(purl.removeprefix("pkg:golang/").rsplit("@", 1)[0])
        found[(mod, v.get("id", f["id"]))] = v.get("reachability")
    return found


def main():
    v = vouch(sys.argv[2])
    for normalize in (False, True):
        g = govulncheck(sys.argv[1], normalize)
        diff = sorted(k for k in set(g) | set(v) if g.get(k) != v.get(k))
        name = "normalized" if normalize else "raw"
        print(f"  {name}: govulncheck {len(g)} (module, id), vouch {len(v)}, {len(diff)} differ")
        for k in diff:
            print(f"    {k[0]} {k[1]}: govulncheck {g.get(k)}, vouch {v.get(k)}")


main()
