package policy

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/vouchdev/vouch/pkg/verify"
	"github.com/vouchdev/vouch/pkg/verify/layout"
)

// evalLayout verifies the in-toto layout and that the artifact is one of
// the verified products: in-toto alone checks the final product only
// through inspections, which do not run by default.
func (s *state) evalLayout(ctx context.Context) {
	l := s.p.Layout
	if l == nil {
		return
	}
	file := s.p.path(l.File)
	keys := make([]string, len(l.Keys))
	for i, k := range l.Keys {
		keys[i] = s.p.path(k)
	}
	links := filepath.Dir(file)
	if l.Links != "" {
		links = s.p.path(l.Links)
	}
	ev := []string{file}
	res, err := layout.Verify(ctx, file, keys, links, layout.Options{RunInspections: s.opts.RunInspections, WorkDir: s.opts.InspectionDir})
	if err != nil {
		f := verify.Finding{ID: FindingLayout, Status: verify.StatusError, Message: "the in-toto layout could not be verified",
			Expected: "layout " + l.File + " signed by " + strings.Join(l.Keys, ", ") + ", every step's links verified", Found: err.Error(), Evidence: ev}
		if errors.Is(err, layout.ErrFailed) {
			f.Status, f.Message = verify.StatusFail, "the supply chain does not follow the in-toto layout"
		}
		s.add(f)
		return
	}
	s.add(verify.Finding{ID: FindingLayout, Status: verify.StatusPass, Evidence: ev,
		Message: fmt.Sprintf("in-toto layout verified: steps %s", strings.Join(res.Steps, ", "))})
	switch {
	case len(res.SkippedInspections) > 0:
		s.add(verify.Finding{ID: FindingLayout + ".inspections", Status: verify.StatusSkipped, Evidence: ev,
			Message:  "inspections not run (they execute commands; pass --run-inspections): " + strings.Join(res.SkippedInspections, ", "),
			Expected: "inspections run and pass", Found: "skipped"})
	case len(res.Inspections) > 0:
		s.add(verify.Finding{ID: FindingLayout + ".inspections", Status: verify.StatusPass, Evidence: ev,
			Message: "inspections passed: " + strings.Join(res.Inspections, ", ")})
	}
	s.add(s.productFinding(res, ev))
}

// productFinding checks that the artifact is a product of the verified
// supply chain, by digest.
func (s *state) productFinding(res *layout.Result, ev []string) verify.Finding {
	f := verify.Finding{ID: FindingLayout + ".product", Evidence: ev, Expected: "the artifact (" + s.digestText() + ") is a product of a verified step"}
	var names []string
	for path, d := range res.Products {
		for alg, want := range s.a.Digests {
			if strings.EqualFold(d[alg], want) {
				f.Status, f.Message, f.Found = verify.StatusPass, "the artifact is the verified product "+path, path+" "+alg+":"+want
				return f
			}
		}
		names = append(names, path)
	}
	sort.Strings(names)
	f.Status, f.Message = verify.StatusFail, "the artifact is not a product of the verified supply chain"
	f.Found = "products: " + listed(names)
	if len(names) == 0 {
		f.Found = "no products"
	}
	return f
}
