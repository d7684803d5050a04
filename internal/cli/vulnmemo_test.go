package cli

import (
	"context"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/vuln"
)

// countingMatcher counts the components the database is asked about.
type countingMatcher struct {
	db    vuln.Matcher
	asked int
}

func (c *countingMatcher) Match(ctx context.Context, doc *sbom.Document) ([]vuln.Match, error) {
	c.asked += len(doc.Components)
	return c.db.Match(ctx, doc)
}

// TestMemoMatcher: vouch serve's memory of the database gives exactly the
// database's answer — the same matches, in the same order, named as each
// document names its components (repeated ids and purls, a component
// without a purl, the Go standard library) — and asks the database only
// about components it has not seen (control: another version is asked).
func TestMemoMatcher(t *testing.T) {
	db, err := vuln.Open(filepath.Join("..", "..", "testdata", "osv"))
	if err != nil {
		t.Fatal(err)
	}
	comp := func(id, name, version, purl string) sbom.Component {
		return sbom.Component{ID: id, Name: name, Version: version, PURL: purl}
	}
	first := &sbom.Document{Components: []sbom.Component{
		comp("app", "app", "1.0.0", ""),
		comp("lodash", "lodash", "4.17.11", "pkg:npm/lodash@4.17.11"),
		comp("dup", "lodash", "4.17.11", "pkg:npm/lodash@4.17.11"),
		comp("dup", "golang.org/x/net", "v0.1.0", "pkg:golang/golang.org/x/net@v0.1.0"),
		comp("go", "stdlib", "go1.20.0", "pkg:golang/stdlib@go1.20.0"),
	}}
	second := &sbom.Document{Components: []sbom.Component{
		comp("x", "golang.org/x/net", "v0.1.0", "pkg:golang/golang.org/x/net@v0.1.0"),
		comp("l", "lodash", "4.17.21", "pkg:npm/lodash@4.17.21"),
		comp("l2", "lodash", "4.17.11", "pkg:npm/lodash@4.17.11"),
	}}
	counting := &countingMatcher{db: db}
	memo := newMemoMatcher(counting)
	for i, tt := range []struct {
		doc   *sbom.Document
		asked int // components the database is asked about, cumulated
	}{{first, 5}, {first, 5}, {second, 6}, {second, 6}} {
		want, err := db.Match(context.Background(), tt.doc)
		if err != nil {
			t.Fatal(err)
		}
		got, err := memo.Match(context.Background(), tt.doc)
		if err != nil {
			t.Fatal(err)
		}
		if len(want) == 0 || !reflect.DeepEqual(got, want) {
			t.Errorf("call %d: %d matches, the database's %d:\n%+v\nwant\n%+v", i, len(got), len(want), got, want)
		}
		if counting.asked != tt.asked {
			t.Errorf("call %d: the database was asked about %d components in all, want %d", i, counting.asked, tt.asked)
		}
	}
	// A caller changing its matches does not change what is remembered.
	got, _ := memo.Match(context.Background(), second)
	for i := range got {
		got[i].Vulnerability.VEX, got[i].Vulnerability.Aliases = "not_affected", append(got[i].Vulnerability.Aliases[:0], "CVE-0000-0000")
	}
	again, _ := memo.Match(context.Background(), second)
	want, _ := db.Match(context.Background(), second)
	if !reflect.DeepEqual(again, want) {
		t.Error("a caller's change to its matches reached the memory")
	}

	// Requests at once (vouch serve), on a fresh memory: each gets the
	// database's answer (go test -race checks the sharing).
	fresh := newMemoMatcher(db)
	var wg sync.WaitGroup
	for i := range 8 {
		doc := []*sbom.Document{first, second}[i%2]
		want, _ := db.Match(context.Background(), doc)
		wg.Go(func() {
			if got, err := fresh.Match(context.Background(), doc); err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("concurrent call %d: %v, not the database's answer", i, err)
			}
		})
	}
	wg.Wait()
}
