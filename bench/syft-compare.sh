#!/usr/bin/env bash
# Side-by-side wall time and peak memory of `vouch sbom` and `syft` on the
# same trees, in one run, alternating the two tools so that a machine's
# load falls on both alike. Prints a markdown table on stdout (progress on
# stderr). CI never runs it; bench/RESULTS.md holds a run's output.
#
#   bench/syft-compare.sh              # RUNS=5 runs of each tool per tree
#   SYFT=/path/to/syft RUNS=9 bench/syft-compare.sh > table.md
#
# Needs: go, git, GNU time (/usr/bin/time, Debian package "time"), python3
# (medians), and a syft binary (v1.42.x; $SYFT, else syft on PATH). Without
# syft it prints why and exits 0. Nothing here fetches syft.
#
# Trees (each copied into a temporary directory, read by both tools):
#   vouch-src+bin   vouch's own source (git HEAD) and vouch built from it
#                   for linux/amd64 and windows/amd64 in bin/
#   go-modules      real Go modules from the local module cache that vouch
#                   requires (sigstore-go, cobra, osv-scalibr), side by side
#   multi-ecosystem every fixture under pkg/sbom/ecosystem/*/testdata
#                   (npm, yarn, pnpm, Python, Cargo, composer, Gemfile,
#                   NuGet, Gradle, dpkg and apk databases) in one tree
#
# Neither tool may use the network: vouch never does; syft runs with its
# defaults for a directory plus its update check and every remote licence
# lookup off (they are off by default too), and GOPROXY=off for the go
# command its Go cataloger runs. vouch runs with a warm licence cache of its
# own (a temporary VOUCH_CACHE_DIR, filled by one run before timing) and,
# on separate rows, with --no-cache. By default vouch leaves out testdata/
# directories and modules nested below a root module, which syft reads:
# the "vouch --testdata --nested-modules" rows read what syft reads. The
# "syft +modcache" rows turn on syft's licence search in the local module
# cache, which vouch always does: the same licence work on both sides.
set -euo pipefail

runs=${RUNS:-5}
syft=${SYFT:-$(command -v syft || true)}
if [ -z "$syft" ] || [ ! -x "$syft" ]; then
  echo "syft-compare: skipped: no syft binary (put syft v1.42 on PATH or set SYFT)" >&2
  exit 0
fi
if [ ! -x /usr/bin/time ]; then
  echo "syft-compare: needs GNU time at /usr/bin/time (apt-get install time)" >&2
  exit 1
fi

repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log() { echo "syft-compare: $*" >&2; }

# --- trees -----------------------------------------------------------------
log "building vouch and the trees in $work"
mkdir -p "$work/trees/vouch-src+bin/bin" "$work/trees/go-modules" "$work/trees/multi-ecosystem"
git -C "$repo" archive --format=tar HEAD | tar -x -C "$work/trees/vouch-src+bin"
(cd "$repo" && go build -trimpath -o "$work/trees/vouch-src+bin/bin/vouch" ./cmd/vouch)
(cd "$repo" && GOOS=windows GOARCH=amd64 go build -trimpath -o "$work/trees/vouch-src+bin/bin/vouch.exe" ./cmd/vouch)
vouch="$work/trees/vouch-src+bin/bin/vouch"

for mod in github.com/sigstore/sigstore-go github.com/spf13/cobra github.com/google/osv-scalibr; do
  dir=$(cd "$repo" && go list -m -f '{{.Dir}}' "$mod")
  [ -n "$dir" ] || { log "module $mod is not in the module cache: run 'go mod download' in the repository"; exit 1; }
  cp -R "$dir" "$work/trees/go-modules/$(basename "$mod")"
done
chmod -R u+w "$work/trees/go-modules"

for td in "$repo"/pkg/sbom/ecosystem/*/testdata; do
  eco=$(basename "$(dirname "$td")")
  cp -R "$td" "$work/trees/multi-ecosystem/$eco"
done

# --- runs ------------------------------------------------------------------
export SOURCE_DATE_EPOCH=1700000000
export VOUCH_CACHE_DIR="$work/vouch-cache"
syft_env=(env SYFT_CHECK_FOR_APP_UPDATE=false GOPROXY=off
  SYFT_GOLANG_SEARCH_REMOTE_LICENSES=false SYFT_JAVA_USE_NETWORK=false
  SYFT_JAVASCRIPT_SEARCH_REMOTE_LICENSES=false SYFT_PYTHON_SEARCH_REMOTE_LICENSES=false)

# timed NAME CMD...: runs CMD once under GNU time, appending "wall rss_kb
# components" to $work/NAME.
timed() {
  local name=$1 out="$work/out.json"; shift
  rm -f "$out"
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || {
    log "$name failed:"; cat "$work/stderr" >&2; exit 1; }
  local n
  n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1])).get("components", [])))' "$out")
  echo "$(cat "$work/time") $n" >>"$work/$name"
}

vouch_run() { timed "$1" "$vouch" sbom "$2" -q "${@:3}" -o "cyclonedx-json=$work/out.json"; }
syft_run() { timed "$1" "${syft_env[@]}" "${@:3}" "$syft" "dir:$2" -q -o "cyclonedx-json=$work/out.json"; }

trees=(vouch-src+bin go-modules multi-ecosystem)
for t in "${trees[@]}"; do
  path="$work/trees/$t"
  log "$t: warming up (fills vouch's licence cache and the page cache)"
  vouch_run warmup "$path"
  syft_run warmup "$path"
  for i in $(seq "$runs"); do
    log "$t: run $i/$runs"
    vouch_run "$t.vouch" "$path"
    syft_run "$t.syft" "$path"
    vouch_run "$t.vouch-nocache" "$path" --no-cache
    if [ "$t" != multi-ecosystem ]; then
      syft_run "$t.syft-modcache" "$path" SYFT_GOLANG_SEARCH_LOCAL_MOD_CACHE_LICENSES=true
      vouch_run "$t.vouch-all" "$path" --testdata --nested-modules
    fi
  done
done

# --- table -----------------------------------------------------------------
python3 - "$work" "$runs" "${trees[@]}" <<'EOF'
import os, statistics, sys
work, runs, trees = sys.argv[1], sys.argv[2], sys.argv[3:]
def load(name):
    rows = [l.split() for l in open(os.path.join(work, name))]
    wall = statistics.median(float(r[0]) for r in rows)
    rss = statistics.median(int(r[1]) for r in rows) / 1024
    comps = sorted({r[2] for r in rows})
    return wall, rss, "/".join(comps)
print(f"Medians of {runs} alternating runs each; peak RSS is GNU time's maximum resident set size.\n")
print("| tree | vouch wall median | syft wall median | ratio (syft/vouch) | vouch peak RSS | syft peak RSS | components vouch / syft |")
print("|---|---:|---:|---:|---:|---:|---:|")
for t in trees:
    for v, s, label in [("vouch", "syft", t),
                        ("vouch-nocache", "syft", t + " (vouch --no-cache)"),
                        ("vouch", "syft-modcache", t + " (syft +modcache licences)"),
                        ("vouch-all", "syft", t + " (vouch --testdata --nested-modules)")]:
        if not os.path.exists(os.path.join(work, f"{t}.{v}")) or not os.path.exists(os.path.join(work, f"{t}.{s}")):
            continue
        vw, vr, vc = load(f"{t}.{v}")
        sw, sr, sc = load(f"{t}.{s}")
        print(f"| {label} | {vw:.2f} s | {sw:.2f} s | {sw / vw:.1f}x | {vr:.0f} MiB | {sr:.0f} MiB | {vc} / {sc} |")
EOF
