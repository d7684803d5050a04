package licexpr

import (
	"runtime"
	"strings"
	"testing"
)

// review2Expr is "(A OR B) AND ... (doublings times) ... AND C AND C ..."
// with singles trailing terms: the disjunctive normal form has
// 2^doublings alternatives, and each trailing "AND C" copies every one of
// them, one term longer each time.
func review2Expr(doublings, singles int) string { return review2Chain(doublings, singles, " AND C") }

func review2Chain(doublings, singles int, link string) string {
	var b strings.Builder
	for range doublings {
		b.WriteString("(A OR B) AND ")
	}
	b.WriteString("C")
	for range singles {
		b.WriteString(link)
	}
	return b.String()
}

func review2Alloc(t *testing.T, s string) uint64 {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if _, err := Parse(s); err != nil {
		t.Fatalf("%d-character expression: %v", len(s), err)
	}
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestReview2ParseQuadratic: MaxAlternatives bounds how many alternatives
// the normal form has, not how much work building it takes. Every "AND"
// copies all alternatives, so the cost grows with alternatives × terms ×
// ANDs: the 4,093-character expression of review2Expr(12, 669) — within
// MaxLength, valid SPDX — takes about 50 s and tens of gigabytes of
// allocation in Parse (measured on this machine: 52.8 s), and sbom check
// and verify --policy parse each distinct expression of an SBOM. The test
// runs small instances: doubling the trailing ANDs must about double the
// allocation (linear), not quadruple it (even one alternative, "C AND C
// AND ...", is quadratic: each AND copies the alternative; the
// alternatives multiply it by up to 4,096). Control: "C OR C OR ..." of
// the same lengths scales linearly, so the measure itself is sound.
func TestReview2ParseQuadratic(t *testing.T) {
	const n = 150
	flat1, flat2 := review2Alloc(t, review2Chain(8, n, " OR C")), review2Alloc(t, review2Chain(8, 2*n, " OR C"))
	if flat2 > 3*flat1 {
		t.Fatalf("control: OR chain of %d then %d ANDs allocated %d then %d bytes: not linear", n, 2*n, flat1, flat2)
	}
	small, big := review2Expr(8, n), review2Expr(8, 2*n)
	a1, a2 := review2Alloc(t, small), review2Alloc(t, big)
	t.Logf("%d chars: %d bytes; %d chars: %d bytes", len(small), a1, len(big), a2)
	if a2 > 3*a1 {
		t.Errorf("doubling the input (%d → %d characters) multiplied Parse's allocation by %.1f (%d → %d bytes): quadratic; "+
			"at MaxLength (review2Expr(12, 669)) this is ~50 s per expression", len(small), len(big), float64(a2)/float64(a1), a1, a2)
	}
	if perByte := a2 / uint64(len(big)); perByte > 64<<10 {
		t.Errorf("%d-character expression allocated %d bytes (%d per input byte)", len(big), a2, perByte)
	}
}
