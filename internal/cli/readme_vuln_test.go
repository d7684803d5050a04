package cli

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// webFixture is the web application of the vulnerability tour: a
// package.json and the package-lock.json npm made for it, pinning lodash
// 4.17.11 (see its ORIGIN).
var webFixture = filepath.Join("..", "..", "pkg", "verify", "policy", "testdata", "vuln")

// exitComment is the "# exit N" comment that ends a README command line
// expected to exit with N (the others exit 0).
var exitComment = regexp.MustCompile(`\s+# exit ([0-9]+)$`)

// readmeSection is README.md's section under heading ("## Title"), up to
// the next section of the same level.
func readmeSection(t *testing.T, heading string) string {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README.md has no %q section", heading)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	return section
}

// fencedBlocks are the contents of text's ```lang blocks, in order.
func fencedBlocks(text, lang string) []string {
	var out []string
	for {
		_, rest, ok := strings.Cut(text, "```"+lang+"\n")
		if !ok {
			return out
		}
		block, after, _ := strings.Cut(rest, "```")
		out = append(out, block)
		text = after
	}
}

// readmeCommand is a README command line's vouch arguments, split as a
// shell splits them, and the exit code its "# exit N" comment states.
func readmeCommand(t *testing.T, s *session, line string) ([]string, int) {
	t.Helper()
	want := 0
	if m := exitComment.FindStringSubmatch(line); m != nil {
		want, _ = strconv.Atoi(m[1])
		line = strings.TrimSuffix(line, m[0])
	}
	if strings.Contains(line, "#") {
		t.Fatalf("README.md: %q: a comment other than \"# exit N\"", line)
	}
	args := s.words(line)
	if len(args) < 2 || args[0] != "vouch" {
		t.Fatalf("README.md: %q is not a vouch command", line)
	}
	return args[1:], want
}

// vulnTourWorkspace is the workspace the README's vulnerability tour
// describes: the CRA workspace (src/ with vulnapp, dist/app its build, a
// key pair, testdata/osv), the policy the README shows as policy.yaml, and
// dist/web.tar.gz made of the web fixture.
func vulnTourWorkspace(t *testing.T, policy string) string {
	t.Helper()
	dir := craWorkspace(t)
	if err := os.WriteFile(filepath.Join(dir, "policy.yaml"), []byte(policy), 0o644); err != nil {
		t.Fatal(err)
	}
	tar := exec.Command("tar", "-czf", filepath.Join(dir, "dist", "web.tar.gz"), "-C", webFixture, "package.json", "package-lock.json")
	if out, err := tar.CombinedOutput(); err != nil {
		t.Fatalf("tar: %v\n%s", err, out)
	}
	return dir
}

// TestReadmeVulnTour runs README.md's "Vulnerabilities and VEX" tour as
// written, with its policy, in the workspace it describes: each command
// exits as its "# exit N" comment says (0 without one), and every line of
// output the section shows is output a command printed.
func TestReadmeVulnTour(t *testing.T) {
	section := readmeSection(t, "## Vulnerabilities and VEX")
	policies, sessions, shown := fencedBlocks(section, "yaml"), fencedBlocks(section, "sh"), fencedBlocks(section, "text")
	if len(policies) != 1 || len(sessions) != 1 || len(shown) == 0 {
		t.Fatalf("README.md's tour: %d yaml, %d sh and %d text blocks, want 1, 1 and some", len(policies), len(sessions), len(shown))
	}
	dir := vulnTourWorkspace(t, policies[0])
	s := &session{t: t, vars: map[string]string{}}
	var printed strings.Builder
	failures := 0
	for _, line := range sessionLines(sessions[0]) {
		args, want := readmeCommand(t, s, line)
		if want == ExitFailure {
			failures++
		}
		stdout, _ := vouchIn(t, dir, want, args...)
		printed.WriteString(stdout)
	}
	if failures == 0 {
		t.Error("README.md's tour shows no command that fails a gate (# exit 3)")
	}
	for _, block := range shown {
		for _, l := range strings.Split(block, "\n") {
			if l = strings.TrimSpace(l); l != "" && !strings.Contains(printed.String(), l) {
				t.Errorf("README.md shows %q, which no command of the tour printed", l)
			}
		}
	}
	tourSARIF(t, filepath.Join(dir, "web.sarif"))
}

// tourSARIF checks the tour's SARIF report: version 2.1.0, a result per
// lodash advisory.
func tourSARIF(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Results []struct {
				RuleID string `json:"ruleId"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var ids []string
	for _, r := range log.Runs {
		for _, res := range r.Results {
			ids = append(ids, res.RuleID)
		}
	}
	if log.Version != "2.1.0" || strings.Join(ids, " ") != "GHSA-35jh-r3h4-6jhm GHSA-jf85-cpcp-j695" {
		t.Errorf("%s: SARIF %s with results %q, want 2.1.0 with the two lodash advisories", path, log.Version, ids)
	}
}
