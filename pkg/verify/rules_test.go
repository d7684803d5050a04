package verify

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/finding"
)

// TestRulesLinkToPolicyDoc: every verify rule's helpUri points at a
// section docs/policy.md has (GitHub's heading anchors); control: an
// anchor of no heading is not found.
func TestRulesLinkToPolicyDoc(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "policy.md"))
	if err != nil {
		t.Fatal(err)
	}
	anchors := map[string]bool{}
	drop := regexp.MustCompile(`[^a-z0-9 -]`)
	for _, line := range strings.Split(string(b), "\n") {
		if h, ok := strings.CutPrefix(line, "#"); ok {
			slug := drop.ReplaceAllString(strings.ToLower(strings.TrimSpace(strings.TrimLeft(h, "#"))), "")
			anchors[strings.ReplaceAll(slug, " ", "-")] = true
		}
	}
	if anchors["no-such-section"] || !anchors["slsa-provenance"] {
		t.Fatalf("anchors not read: %v", anchors)
	}
	for _, r := range Rules {
		if r.HelpURI == finding.OSVURI+finding.NamePlaceholder {
			continue // the advisory's page
		}
		anchor, ok := strings.CutPrefix(r.HelpURI, policyDoc+"#")
		if !ok || !anchors[anchor] {
			t.Errorf("rule %s: helpUri %s names no section of docs/policy.md", r.ID, r.HelpURI)
		}
	}
}
