// Package gitref reads the few facts vouch needs from a local git repository
// — the commit HEAD points at and the tags that point at a commit — straight
// from the .git directory: no git binary, no network, no new dependency.
//
// Annotated tags are peeled through packed-refs' "^" lines or by reading the
// loose tag object; a tag object stored only in a pack file is not peeled and
// so not found (a missed tag leaves a version unknown; it is never guessed).
package gitref

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/mod/semver"
)

// maxRefFile bounds every file read from .git: refs are tiny, packed-refs of
// huge repositories reach a few MiB.
const maxRefFile = 64 << 20

// Repo is a git repository found on disk.
type Repo struct {
	Root   string              // the work tree
	gitDir string              // the .git directory
	tags   map[string][]string // commit -> tag names
}

// Find looks for the repository containing dir, walking up to the file
// system root. It returns nil, nil when there is none.
func Find(dir string) (*Repo, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	for {
		gd := filepath.Join(dir, ".git")
		if fi, err := os.Stat(gd); err == nil {
			if !fi.IsDir() {
				// A worktree or submodule: ".git" is a file "gitdir: PATH".
				b, err := readLimited(gd)
				if err != nil {
					return nil, err
				}
				p := strings.TrimSpace(strings.TrimPrefix(string(b), "gitdir:"))
				if !filepath.IsAbs(p) {
					p = filepath.Join(dir, p)
				}
				gd = p
			}
			return &Repo{Root: dir, gitDir: gd}, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil, nil
		}
		dir = parent
	}
}

// Head returns the commit HEAD points at.
func (r *Repo) Head() (string, error) {
	b, err := readLimited(filepath.Join(r.gitDir, "HEAD"))
	if err != nil {
		return "", err
	}
	s := strings.TrimSpace(string(b))
	for range 5 { // symbolic refs may chain; bound it
		ref, ok := strings.CutPrefix(s, "ref: ")
		if !ok {
			return s, nil
		}
		s, err = r.resolve(ref)
		if err != nil {
			return "", err
		}
	}
	return "", errors.New("HEAD: too many symbolic references")
}

func (r *Repo) resolve(ref string) (string, error) {
	if b, err := readLimited(filepath.Join(r.commonDir(), filepath.FromSlash(ref))); err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	if b, err := readLimited(filepath.Join(r.gitDir, filepath.FromSlash(ref))); err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	refs, err := r.packedRefs()
	if err != nil {
		return "", err
	}
	if c, ok := refs[ref]; ok {
		return c.target, nil
	}
	return "", errors.New("unknown ref " + ref)
}

// commonDir is where refs live: a linked worktree's gitdir names it in "commondir".
func (r *Repo) commonDir() string {
	if b, err := readLimited(filepath.Join(r.gitDir, "commondir")); err == nil {
		p := strings.TrimSpace(string(b))
		if !filepath.IsAbs(p) {
			p = filepath.Join(r.gitDir, p)
		}
		return p
	}
	return r.gitDir
}

type packed struct{ target, peeled string }

func (r *Repo) packedRefs() (map[string]packed, error) {
	out := map[string]packed{}
	b, err := readLimited(filepath.Join(r.commonDir(), "packed-refs"))
	if errors.Is(err, os.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	var last string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "^") && last != "":
			p := out[last]
			p.peeled = line[1:]
			out[last] = p
		default:
			hash, name, ok := strings.Cut(line, " ")
			if ok {
				out[name] = packed{target: hash}
				last = name
			}
		}
	}
	return out, sc.Err()
}

// TagsAt returns the names of the tags that point at commit (peeled), sorted.
func (r *Repo) TagsAt(commit string) []string {
	if r.tags == nil {
		r.tags = r.loadTags()
	}
	return r.tags[commit]
}

func (r *Repo) loadTags() map[string][]string {
	tags := map[string][]string{}
	add := func(name, target, peeled string) {
		if peeled == "" {
			peeled = r.peel(target)
		}
		tags[peeled] = append(tags[peeled], name)
	}
	if refs, err := r.packedRefs(); err == nil {
		for name, p := range refs {
			if t, ok := strings.CutPrefix(name, "refs/tags/"); ok {
				add(t, p.target, p.peeled)
			}
		}
	}
	base := filepath.Join(r.commonDir(), "refs", "tags")
	_ = filepath.WalkDir(base, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, err := readLimited(path)
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(base, path)
		add(filepath.ToSlash(rel), strings.TrimSpace(string(b)), "")
		return nil
	})
	for c := range tags {
		tags[c] = sortUnique(tags[c])
	}
	return tags
}

// peel follows an annotated tag object to the commit it names. Anything it
// cannot read is taken as a commit id: a lightweight tag.
func (r *Repo) peel(id string) string {
	for range 4 {
		if len(id) < 3 {
			return id
		}
		f, err := os.Open(filepath.Join(r.commonDir(), "objects", id[:2], id[2:]))
		if err != nil {
			return id
		}
		zr, err := zlib.NewReader(f)
		if err != nil {
			f.Close()
			return id
		}
		head := make([]byte, 512)
		n, _ := io.ReadFull(zr, head)
		f.Close()
		head = head[:n]
		if !bytes.HasPrefix(head, []byte("tag ")) {
			return id
		}
		_, body, _ := bytes.Cut(head, []byte{0})
		obj, ok := bytes.CutPrefix(body, []byte("object "))
		if !ok || len(obj) < 40 {
			return id
		}
		id = string(obj[:40])
	}
	return id
}

// ReleaseTag picks the highest semantic-version tag at commit for a module
// whose directory is prefix inside the repository ("" at the root; a module
// in "server" is tagged "server/v8.1.0", the Go convention). ok is false when
// no such tag exists.
func (r *Repo) ReleaseTag(commit, prefix string) (string, bool) {
	best := ""
	for _, t := range r.TagsAt(commit) {
		v := t
		if prefix != "" && prefix != "." {
			var ok bool
			if v, ok = strings.CutPrefix(t, prefix+"/"); !ok {
				continue
			}
		}
		if semver.IsValid(v) && (best == "" || semver.Compare(v, best) > 0) {
			best = v
		}
	}
	return best, best != ""
}

func sortUnique(s []string) []string {
	slices.Sort(s)
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxRefFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxRefFile {
		return nil, errors.New(path + ": larger than the limit for git metadata")
	}
	return b, nil
}
