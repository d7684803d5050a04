package gitref

import (
	"bytes"
	"context"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// gitTimeout bounds each git command a pseudo-version needs.
const gitTimeout = 10 * time.Second

// PseudoVersion is the Go pseudo-version of the checked-out commit for the
// module at modPath whose tags carry prefix ("" at the repository root,
// "sub/" for a module in sub/), as the go command stamps it into binaries
// built from an untagged commit: vX.Y.Z-0.<UTC time>-<12 hex> after the
// newest release tag reachable from HEAD, v0.0.0-<time>-<12 hex> (or
// vN.0.0-… for a /vN module) without one, and "+dirty" when the work tree
// has changes. The commit's time and the work tree's state are read with
// the git command, as the go command reads them; without git, or outside
// a work tree, ok is false.
func (r *Repo) PseudoVersion(modPath, prefix string) (version string, ok bool) {
	out, err := r.git("log", "-1", "--format=%H %ct")
	if err != nil {
		return "", false
	}
	hash, secs, found := strings.Cut(strings.TrimSpace(out), " ")
	unix, err := strconv.ParseInt(secs, 10, 64)
	if !found || err != nil || len(hash) < 12 {
		return "", false
	}
	_, pathMajor, _ := module.SplitPathVersion(modPath)
	major := strings.TrimPrefix(pathMajor, "/")
	older := ""
	if tag, err := r.git("describe", "--tags", "--abbrev=0", "--match", prefix+"v[0-9]*", "HEAD"); err == nil {
		v := strings.TrimPrefix(strings.TrimSpace(tag), prefix)
		if semver.IsValid(v) && (major == "" || semver.Major(v) == major) && semver.Build(v) == "" {
			older = v
		}
	}
	version = module.PseudoVersion(major, older, time.Unix(unix, 0).UTC(), hash[:12])
	if status, err := r.git("status", "--porcelain"); err != nil {
		return "", false
	} else if strings.TrimSpace(status) != "" {
		version += "+dirty"
	}
	return version, true
}

// git runs a read-only git command in the work tree. core.fsmonitor is
// switched off: a repository's own configuration could otherwise make a
// status run a program of its choosing.
func (r *Repo) git(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), gitTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "git", append([]string{"-c", "core.fsmonitor=false", "-C", r.Root}, args...)...)
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		return "", err
	}
	return out.String(), nil
}
