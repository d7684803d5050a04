package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/finding"
)

// TestRulesDoc: docs/rules.md is the catalogue as it is (regenerate it
// with VOUCH_UPDATE_RULES_DOC=1 go test ./internal/cli -run TestRulesDoc).
func TestRulesDoc(t *testing.T) {
	rules := finding.Default.Rules()
	want := RulesMarkdown(rules)
	path := filepath.Join("..", "..", "docs", "rules.md")
	if os.Getenv("VOUCH_UPDATE_RULES_DOC") == "1" {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("docs/rules.md is not the catalogue's rendering: regenerate it (VOUCH_UPDATE_RULES_DOC=1)")
	}
	for _, id := range []string{"signer", "predicate.*", "bsi-tr-03183-2.component.hash-sha512", "ntia.component.supplier"} {
		if !strings.Contains(want, "\n## `"+id+"`\n") {
			t.Errorf("rule %s has no section", id)
		}
	}
	if len(rules) < 80 {
		t.Errorf("%d rules: a catalogue is missing", len(rules))
	}
}
