// Package licexprtest holds the table of SPDX licence expressions that
// every package parsing licences with licexpr is tested on.
package licexprtest

import (
	"os"
	"strings"
	"testing"
)

// Case is one line of a table of expressions for tests: the expression and
// whether it is valid.
type Case struct {
	Expr string
	OK   bool
}

// ReadTable reads a table of expressions (pkg/sbom/licexpr's
// testdata/expressions.txt, at path relative to the test's package) for the
// tests of the packages that parse licences, so that all of them are held
// to the same verdicts.
func ReadTable(tb testing.TB, path string) []Case {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var out []Case
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		verdict, expr, ok := strings.Cut(line, "\t")
		if !ok || verdict != "ok" && verdict != "invalid" {
			tb.Fatalf("%s: bad line %q", path, line)
		}
		out = append(out, Case{Expr: expr, OK: verdict == "ok"})
	}
	if len(out) < 10 {
		tb.Fatalf("%s: only %d cases", path, len(out))
	}
	return out
}
