package serve_test

import (
	"context"
	"testing"

	"github.com/vouchdev/vouch/pkg/finding"
	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/serve"
	"github.com/vouchdev/vouch/pkg/vuln"
)

// namedDB answers every question with one match naming it.
type namedDB string

func (n namedDB) Match(context.Context, *sbom.Document) ([]vuln.Match, error) {
	return []vuln.Match{{Vulnerability: finding.Vulnerability{ID: string(n)}}}, nil
}

func matchedBy(t *testing.T, h *serve.VulnDBHolder, ctx context.Context) string {
	t.Helper()
	ms, err := h.Match(ctx, &sbom.Document{})
	if err != nil || len(ms) != 1 {
		t.Fatalf("Match: %v, %d matches", err, len(ms))
	}
	return ms[0].Vulnerability.ID
}

// TestVulnDBHolder: a decision that took the database before a swap
// matches against it to its end; later ones against the new one. OnChange
// hears of a new digest once, and not of the same digest again; a
// database without a digest is refused.
func TestVulnDBHolder(t *testing.T) {
	h, err := serve.NewVulnDBHolder(serve.VulnDB{Matcher: namedDB("one"), SHA256: "d1"})
	if err != nil {
		t.Fatal(err)
	}
	var changes []string
	h.OnChange = func(_ context.Context, old, cur string) { changes = append(changes, old+">"+cur) }
	inFlight := serve.WithVulnDB(context.Background(), h.Current())
	if changed, err := h.Swap(context.Background(), serve.VulnDB{Matcher: namedDB("one again"), SHA256: "d1"}); changed || err != nil {
		t.Fatalf("the same digest again: changed %v, %v", changed, err)
	}
	if changed, err := h.Swap(context.Background(), serve.VulnDB{Matcher: namedDB("two"), SHA256: "d2"}); !changed || err != nil {
		t.Fatalf("a new digest: changed %v, %v", changed, err)
	}
	if got := matchedBy(t, h, inFlight); got != "one" {
		t.Errorf("the decision in flight matched against %q, want the database it took", got)
	}
	if got := matchedBy(t, h, context.Background()); got != "two" {
		t.Errorf("a later decision matched against %q, want the new database", got)
	}
	if len(changes) != 1 || changes[0] != "d1>d2" {
		t.Errorf("OnChange heard %v, want [d1>d2]", changes)
	}
	if _, err := h.Swap(context.Background(), serve.VulnDB{Matcher: namedDB("three")}); err == nil {
		t.Error("a database without a digest was swapped in")
	}
}
