package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// session runs the shell sessions the help and the README show, as an
// operator would type them, with a few commands: "vouch serve ..." (started
// here in-process on a free loopback port, offline, its admin token put in
// $VOUCH_ADMIN), other vouch commands (in-process), curl (as the same HTTP
// request), NAME=VALUE and NAME=$(curl ... | jq -r .FIELD), export. Any
// other command, a failed command or an HTTP status over 399 is an error:
// what the documents show must work as written.
type session struct {
	t    *testing.T
	vars map[string]string
	// url is where the session's server listens, for the documents'
	// http://127.0.0.1:8321.
	url  string
	stop func() int
}

// serveDefaultURL is the address the documents' sessions name.
const serveDefaultURL = "http://127.0.0.1:8321"

var (
	assignCurlJQ = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)=\$\((curl .*) \| jq -r \.([A-Za-z0-9_]+)\)$`)
	assignWord   = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)=(\S*)$`)
	shellVar     = regexp.MustCompile(`\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))`)
)

// sessionFixtures writes what the sessions name into dir: acme.pub,
// policy.yaml, and app.tgz signed by acme's key (app.tgz.sigstore.json).
func sessionFixtures(t *testing.T, dir string) {
	t.Helper()
	s, _, _ := testKey(t, dir, "acme")
	data := []byte("app release\n")
	b, err := s.SignBlob(context.Background(), bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string][]byte{
		"app.tgz": data, "app.tgz.sigstore.json": b,
		"policy.yaml": []byte("apiVersion: vouch.dev/v1\nkind: Policy\n"),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// runSession runs text, a session, in a new directory holding the
// fixtures; it returns the first command that failed and why.
func runSession(t *testing.T, text string) error {
	dir := t.TempDir()
	sessionFixtures(t, dir)
	t.Chdir(dir)
	s := &session{t: t, vars: map[string]string{}}
	defer func() {
		if s.stop != nil {
			s.stop()
		}
	}()
	for _, line := range sessionLines(text) {
		if err := s.run(line); err != nil {
			return fmt.Errorf("%s: %w", line, err)
		}
	}
	if s.url == "" {
		return fmt.Errorf("the session started no vouch serve")
	}
	return nil
}

// sessionLines are text's commands: continuation lines joined, comments
// and blank lines dropped, indentation trimmed.
func sessionLines(text string) []string {
	var lines []string
	var cur strings.Builder
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if cont, ok := strings.CutSuffix(l, `\`); ok {
			cur.WriteString(cont)
			continue
		}
		cur.WriteString(l)
		if c := cur.String(); c != "" && !strings.HasPrefix(c, "#") {
			lines = append(lines, c)
		}
		cur.Reset()
	}
	return lines
}

func (s *session) run(line string) error {
	if s.url != "" {
		line = strings.ReplaceAll(line, serveDefaultURL, s.url)
	}
	if m := assignCurlJQ.FindStringSubmatch(line); m != nil {
		out, err := s.curl(s.words(m[2])[1:])
		if err != nil {
			return err
		}
		var obj map[string]any
		if err := json.Unmarshal([]byte(out), &obj); err != nil {
			return fmt.Errorf("jq: %v: %s", err, out)
		}
		v, ok := obj[m[3]].(string)
		if !ok {
			return fmt.Errorf("jq: no string .%s in %s", m[3], out)
		}
		s.set(m[1], v)
		return nil
	}
	if m := assignWord.FindStringSubmatch(strings.TrimPrefix(line, "export ")); m != nil {
		s.set(m[1], s.expand(m[2]))
		return nil
	}
	w := s.words(line)
	switch {
	case len(w) == 2 && w[0] == "export":
		return nil // every variable is in the environment already
	case w[0] == "curl":
		_, err := s.curl(w[1:])
		return err
	case len(w) > 1 && w[0] == "vouch" && w[1] == "serve":
		return s.serve(w[2:])
	case w[0] == "vouch":
		if code, _, errs := runVouch(s.t, w[1:]...); code != ExitOK {
			return fmt.Errorf("exit %d: %s", code, errs)
		}
		return nil
	}
	return fmt.Errorf("not a command the session test runs")
}

// set assigns a variable, in the environment too (for vouch's
// $VOUCH_TOKEN).
func (s *session) set(name, value string) {
	s.vars[name] = value
	s.t.Setenv(name, value)
}

// serve starts vouch serve with args, once.
func (s *session) serve(args []string) error {
	if s.url != "" {
		return fmt.Errorf("a second vouch serve")
	}
	url, stdout, _, stop := startServeLogs(s.t, append([]string{"--listen", "127.0.0.1:0", "--offline"}, args...)...)
	s.url, s.stop = url, stop
	token := regexp.MustCompile(`vouch_[A-Za-z0-9_-]{43}`).FindString(stdout.String())
	if token == "" {
		return fmt.Errorf("no admin token printed: %q", stdout.String())
	}
	s.set("VOUCH_ADMIN", token)
	return nil
}

// expand replaces $NAME and ${NAME}; an unset variable is an error of the
// session, reported as the empty string would be by the command.
func (s *session) expand(word string) string {
	return shellVar.ReplaceAllStringFunc(word, func(v string) string {
		m := shellVar.FindStringSubmatch(v)
		return s.vars[m[1]+m[2]]
	})
}

// words splits a command line as a shell does: single quotes literal,
// double quotes and bare words expanded.
func (s *session) words(line string) []string {
	var out []string
	var cur strings.Builder
	in := false
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case c == '\'':
			j := strings.IndexByte(line[i+1:], '\'')
			if j < 0 {
				j = len(line) - i - 1
			}
			cur.WriteString(line[i+1 : i+1+j])
			i, in = i+1+j, true
		case c == '"':
			j := strings.IndexByte(line[i+1:], '"')
			if j < 0 {
				j = len(line) - i - 1
			}
			cur.WriteString(s.expand(line[i+1 : i+1+j]))
			i, in = i+1+j, true
		case c == ' ' || c == '\t':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			j := strings.IndexAny(line[i:], " \t'\"")
			if j < 0 {
				j = len(line) - i
			}
			cur.WriteString(s.expand(line[i : i+j]))
			i, in = i+j-1, true
		}
	}
	if in {
		out = append(out, cur.String())
	}
	return out
}

// curl sends the request of curl's -X, -H, -d/--data-binary (@FILE or the
// data) and URL arguments, failing on a status over 399 as curl -f does.
func (s *session) curl(args []string) (string, error) {
	method, url := "", ""
	var body io.Reader
	header := http.Header{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		next := func() string {
			i++
			if i < len(args) {
				return args[i]
			}
			return ""
		}
		switch {
		case a == "-X":
			method = next()
		case a == "-H":
			k, v, _ := strings.Cut(next(), ":")
			header.Add(k, strings.TrimSpace(v))
		case a == "-d" || a == "--data-binary":
			data := next()
			if file, ok := strings.CutPrefix(data, "@"); ok {
				b, err := os.ReadFile(file)
				if err != nil {
					return "", err
				}
				data = string(b)
			}
			body = strings.NewReader(data)
		case a == "-fsS":
		case strings.HasPrefix(a, "http://") || strings.HasPrefix(a, "https://"):
			url = a
		default:
			return "", fmt.Errorf("curl %s: not an option the session test knows", a)
		}
	}
	if method == "" {
		method = map[bool]string{true: "POST", false: "GET"}[body != nil]
	}
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		return "", err
	}
	req.Header = header
	resp, err := (&http.Client{Transport: &http.Transport{}}).Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode > 399 {
		return "", fmt.Errorf("curl: %s: %s", resp.Status, out)
	}
	return string(out), nil
}

// TestServeHelpSession: the example session of vouch serve --help works as
// written; the control, the same session with the admin token misspelt,
// fails (so a harness that runs nothing cannot pass).
func TestServeHelpSession(t *testing.T) {
	noNetwork(t)
	t.Run("as written", func(t *testing.T) {
		if err := runSession(t, serveExample); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("control: another token", func(t *testing.T) {
		bad := strings.Replace(serveExample, "Bearer $VOUCH_ADMIN", "Bearer vouch_not-the-token", 1)
		if err := runSession(t, bad); err == nil || !strings.Contains(err.Error(), "401") {
			t.Fatalf("%v, want a 401", err)
		}
	})
}

// TestServeHelp: vouch serve --help names every operation of
// schemas/openapi.yaml, and every flag is in a section of its own (only
// --help is under "Other flags").
func TestServeHelp(t *testing.T) {
	code, help, _ := runVouch(t, "serve", "--help")
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	data, err := os.ReadFile(filepath.Join(repoRoot, "schemas", "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	n := 0
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "head" || method == "parameters" {
				continue
			}
			n++
			op := fmt.Sprintf("%-6s %s", strings.ToUpper(method), path)
			if !strings.Contains(help, op) {
				t.Errorf("--help does not list %q", op)
			}
		}
	}
	if n < 15 {
		t.Errorf("schemas/openapi.yaml lists %d operations, want the service's 15 or more", n)
	}
	_, other, ok := strings.Cut(help, "\nOther flags:\n")
	if !ok || strings.Count(other, "--") != 1 || !strings.Contains(other, "--help") {
		t.Errorf("flags outside the sections:\n%s", other)
	}
	for _, section := range []string{"Storage", "Listening and limits", "Trust", "Verification summaries"} {
		if !slices.ContainsFunc(strings.Split(help, "\n"), func(l string) bool { return strings.HasPrefix(l, section) }) {
			t.Errorf("no %s section", section)
		}
	}
}

// TestReadmeServeSession: the session of README.md's "Run a verification
// service" works as written.
func TestReadmeServeSession(t *testing.T) {
	noNetwork(t)
	readme, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## Run a verification service\n")
	section, _, _ = strings.Cut(section, "\n## ")
	_, block, ok2 := strings.Cut(section, "```sh\n")
	block, _, ok3 := strings.Cut(block, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal(`README.md has no "## Run a verification service" section with a ` + "```sh block")
	}
	if err := runSession(t, block); err != nil {
		t.Fatalf("README.md: %v", err)
	}
}
