package gitref

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// HeadRef returns the reference HEAD names ("refs/heads/main"), or "" when
// HEAD is detached (a CI checkout of a commit or a tag).
func (r *Repo) HeadRef() (string, error) {
	b, err := readLimited(filepath.Join(r.gitDir, "HEAD"))
	if err != nil {
		return "", err
	}
	ref, ok := strings.CutPrefix(strings.TrimSpace(string(b)), "ref: ")
	if !ok {
		return "", nil
	}
	return ref, nil
}

// RemoteURL returns the url of the named remote ("origin") from the
// repository's config file, or "" when there is no such remote. The value is
// returned as written: callers that publish it must strip credentials.
//
// Only what git itself writes for "git clone" and "git remote add" is
// understood: a [remote "NAME"] section with a url key. Includes and
// url.<base>.insteadOf rewrites are not followed.
func (r *Repo) RemoteURL(name string) (string, error) {
	b, err := readLimited(filepath.Join(r.commonDir(), "config"))
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return remoteURL(b, name), nil
}

// remoteURL scans a git config file for [remote "name"] url. Section and key
// names are case-insensitive; the subsection (the remote's name) is not. The
// first url wins, as it does for git fetch.
func remoteURL(config []byte, name string) string {
	in := false
	sc := bufio.NewScanner(bytes.NewReader(config))
	sc.Buffer(make([]byte, 64<<10), maxRefFile)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if line[0] == '[' {
			end := strings.IndexByte(line, ']')
			if end < 0 {
				in = false
				continue
			}
			sec := strings.TrimSpace(line[1:end])
			kind, sub, ok := strings.Cut(sec, " ")
			in = ok && strings.EqualFold(kind, "remote") && unquote(strings.TrimSpace(sub)) == name
			continue
		}
		if !in {
			continue
		}
		key, val, ok := strings.Cut(line, "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(key), "url") {
			continue
		}
		v := configValue(strings.TrimSpace(val))
		if strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return "" // no URL holds control characters; do not pass one on
		}
		return v
	}
	return ""
}

// configValue removes quotes and a trailing comment from a config value.
func configValue(v string) string {
	var b strings.Builder
	quoted := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '"':
			quoted = !quoted
		case c == '\\' && i+1 < len(v):
			i++
			b.WriteByte(v[i])
		case (c == '#' || c == ';') && !quoted:
			return strings.TrimSpace(b.String())
		default:
			b.WriteByte(c)
		}
	}
	return strings.TrimSpace(b.String())
}

func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}
