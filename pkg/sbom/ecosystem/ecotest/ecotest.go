// Package ecotest compares what an ecosystem reader found with a ground
// truth computed by other means (the ecosystem's own tool, or a plain
// parse with Python's standard library), and reports recall and precision.
package ecotest

import (
	"encoding/json"
	"os"
	"slices"
	"testing"
)

// Truth is a fixture's ground truth: every package as name@version, the
// ones a production install keeps, and the dependency edges as
// "name@version -> name@version" ("" for the root project).
type Truth struct {
	Packages   []string `json:"packages"`
	Production []string `json:"production"`
	Edges      []string `json:"edges"`
}

// Load reads a truth.json file.
func Load(t testing.TB, file string) Truth {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var tr Truth
	if err := json.Unmarshal(data, &tr); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return tr
}

// Score reports recall and precision of got against want under label and
// fails the test when either is below min. Missing and extra items are
// listed (the first ten of each), so a failure says what to look at.
func Score(t testing.TB, label string, got, want []string, min float64) {
	t.Helper()
	g, w := set(got), set(want)
	var hit int
	var missing, extra []string
	for k := range w {
		if g[k] {
			hit++
		} else {
			missing = append(missing, k)
		}
	}
	for k := range g {
		if !w[k] {
			extra = append(extra, k)
		}
	}
	recall, precision := ratio(hit, len(w)), ratio(hit, len(g))
	t.Logf("%s: recall %.4f (%d/%d), precision %.4f (%d/%d)", label, recall, hit, len(w), precision, hit, len(g))
	if recall < min || precision < min {
		slices.Sort(missing)
		slices.Sort(extra)
		t.Errorf("%s: recall %.4f, precision %.4f, want ≥ %.2f\nmissing: %v\nextra: %v",
			label, recall, precision, min, head(missing), head(extra))
	}
}

func set(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

func ratio(a, b int) float64 {
	if b == 0 {
		if a == 0 {
			return 1
		}
		return 0
	}
	return float64(a) / float64(b)
}

func head(xs []string) []string {
	if len(xs) > 10 {
		return xs[:10]
	}
	return xs
}
