package cli

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVulnColour: vouch vuln's text report is in colour only when it goes
// to a terminal, as vouch verify's: not in a pipe, not in --output FILE
// even from a terminal, never in JSON. The SBOM (web.cdx.json, lodash
// 4.17.11) has two real advisories in testdata/osv.
func TestVulnColour(t *testing.T) {
	sbom, err := filepath.Abs(filepath.Join(webFixture, "web.cdx.json"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := filepath.Abs(osvDB)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		tty    bool
		args   []string
		colour bool
	}{
		{"terminal", true, nil, true},
		{"pipe", false, nil, false},
		{"file from a terminal", true, []string{"--output", "report.txt"}, false},
		{"json on a terminal", true, []string{"-o", "json"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Chdir(dir)
			var stdout, stderr bytes.Buffer
			e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: osGetenv,
				isTTY: func(io.Writer) bool { return tc.tty }}
			args := append([]string{"vuln", "-q", "--db", db, sbom}, tc.args...)
			if code := e.run(context.Background(), args); code != ExitOK {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			report := stdout.Bytes()
			if len(report) == 0 {
				var err error
				if report, err = os.ReadFile("report.txt"); err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Contains(report, []byte("GHSA-jf85-cpcp-j695")) {
				t.Fatalf("no match in the report:\n%s", report)
			}
			if got := bytes.Contains(report, []byte("\x1b[")); got != tc.colour {
				t.Errorf("colour codes: %v, want %v:\n%q", got, tc.colour, report)
			}
		})
	}
}

// TestVulnHelpExamples: every vouch vuln command of --help's examples
// parses: known flags with valid values, one TARGET; and the examples
// cover each kind of target and each output.
func TestVulnHelpExamples(t *testing.T) {
	e := &env{stdout: io.Discard, stderr: io.Discard, getenv: osGetenv, isTTY: isTerminal}
	s := &session{t: t, vars: map[string]string{}}
	n := 0
	for _, line := range sessionLines(e.vulnCommand().Example) {
		words := s.words(line)
		for len(words) > 0 && strings.Contains(words[0], "=") {
			words = words[1:] // VAR=value before the command
		}
		if len(words) < 2 || words[0] != "vouch" || words[1] != "vuln" {
			continue
		}
		n++
		cmd := e.vulnCommand()
		if err := cmd.ParseFlags(words[2:]); err != nil {
			t.Errorf("%s: %v", line, err)
			continue
		}
		if err := cmd.Args(cmd, cmd.Flags().Args()); err != nil {
			t.Errorf("%s: %v", line, err)
		}
		format, _ := cmd.Flags().GetString("output-format")
		failOn, _ := cmd.Flags().GetString("fail-on")
		scan, _ := cmd.Flags().GetString("scan")
		f := vulnFlags{format: format, failOn: failOn, scan: scan}
		f.scope, _ = cmd.Flags().GetString("scope")
		if _, _, err := f.check(false); err != nil {
			t.Errorf("%s: %v", line, err)
		}
	}
	example := e.vulnCommand().Example
	for _, want := range []string{"sbom.cdx.json", "vouch vuln . ", "--scan symbol", "./bin/app", "package-lock.json", ".tar.gz", "docker-archive:", "-o sarif", "-o json", "-o openvex", "--vex ", "--fail-on"} {
		if !strings.Contains(example, want) {
			t.Errorf("no example with %q", want)
		}
	}
	if n < 10 {
		t.Errorf("%d vouch vuln examples, want one per kind of target and output", n)
	}
}
