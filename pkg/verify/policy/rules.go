package policy

import (
	"context"
	"sort"
	"strings"

	"cel.dev/cel-go/common/types"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/vouchdev/vouch/pkg/verify"
)

// evalRules evaluates each CEL rule over the accepted statements.
func (s *state) evalRules(ctx context.Context) {
	if len(s.c.rules) == 0 {
		return
	}
	// A rule over an SBOM that could not be decoded would see no
	// components and could pass ("no denied component"): fail closed.
	var undecoded []string
	for _, d := range s.sboms {
		if d.err != nil {
			undecoded = append(undecoded, d.it.ev.Bundle+": "+d.err.Error())
		}
	}
	vars := s.celVars()
	for i := range s.c.rules {
		r := &s.c.rules[i]
		f := verify.Finding{ID: FindingRule + "." + r.Name, Expected: r.Expression}
		if len(undecoded) > 0 {
			f.Status, f.Message, f.Found = verify.StatusError, "rule "+r.Name+" cannot be evaluated: an accepted SBOM could not be decoded", strings.Join(undecoded, "; ")
			s.add(f)
			continue
		}
		ok, err := r.eval(ctx, vars)
		switch {
		case err != nil:
			f.Status, f.Message, f.Found = verify.StatusError, "rule "+r.Name+" could not be evaluated", err.Error()
		case ok:
			f.Status, f.Message = verify.StatusPass, r.Name
		default:
			f.Status, f.Message, f.Found = verify.StatusFail, r.Message, "false"
			if f.Message == "" {
				f.Message = "rule " + r.Name + " is false"
			}
		}
		s.add(f)
	}
}

// celVars builds the rule variables from accepted evidence only.
func (s *state) celVars() map[string]any {
	digests := map[string]any{}
	for k, v := range s.a.Digests {
		digests[k] = v
	}
	var statements []any
	var accepted []*item
	for _, it := range s.items {
		if it.st != nil && s.accepted(it) {
			accepted = append(accepted, it)
		}
	}
	sort.SliceStable(accepted, func(i, j int) bool { return accepted[i].ev.Bundle < accepted[j].ev.Bundle })
	for _, it := range accepted {
		var subjects []any
		for _, sub := range it.st.GetSubject() {
			d := map[string]any{}
			for k, v := range sub.GetDigest() {
				d[k] = v
			}
			subjects = append(subjects, map[string]any{"name": sub.GetName(), "digest": d})
		}
		statements = append(statements, map[string]any{
			"predicateType": it.st.GetPredicateType(),
			"predicate":     structMap(it.st.GetPredicate()),
			"subject":       orEmpty(subjects),
			"signer":        signerMap(it.ev.Signer),
			"bundle":        it.ev.Bundle,
		})
	}
	vars := map[string]any{
		"artifact":   map[string]any{"name": s.a.Name, "digests": digests, "repository": s.a.Repository},
		"statements": orEmpty(statements),
		"provenance": types.NullValue,
		"sbom":       s.sbomVar(),
	}
	if pr := s.prov; pr != nil {
		ds := map[string]any{}
		for k, v := range pr.p.SourceDigest {
			ds[k] = v
		}
		vars["provenance"] = map[string]any{
			"predicateType": pr.p.PredicateType,
			"builderId":     pr.p.BuilderID,
			"buildType":     pr.p.BuildType,
			"sourceUri":     pr.p.SourceURI,
			"source":        pr.p.Source(),
			"sourceRef":     pr.p.SourceRef,
			"sourceDigest":  ds,
			"level":         int64(pr.outcome.Level),
			"signer":        signerMap(pr.it.ev.Signer),
		}
	}
	return vars
}

func (s *state) sbomVar() map[string]any {
	var comps []any
	formats := map[string]bool{}
	for _, d := range s.sboms {
		if d.input.Doc == nil {
			continue
		}
		formats[d.input.Family] = true
		for i := range d.input.Doc.Components {
			c := &d.input.Doc.Components[i]
			comps = append(comps, map[string]any{
				"name": c.Name, "version": c.Version, "purl": c.PURL, "type": string(c.Type),
				"license":  componentLicense(c),
				"licenses": map[string]any{"declared": c.Licenses.Declared, "concluded": c.Licenses.Concluded},
			})
		}
	}
	fs := make([]any, 0, len(formats))
	for _, f := range sortedKeys(formats) {
		fs = append(fs, f)
	}
	return map[string]any{"present": len(formats) > 0, "formats": fs, "components": orEmpty(comps)}
}

func signerMap(sg verify.Signer) map[string]any {
	ext := map[string]any{}
	for k, v := range sg.Extensions {
		ext[k] = v
	}
	return map[string]any{"identity": sg.Identity, "issuer": sg.Issuer, "keyId": sg.KeyID, "extensions": ext}
}

func structMap(st *structpb.Struct) map[string]any {
	if st == nil {
		return map[string]any{}
	}
	return st.AsMap()
}

func orEmpty(l []any) []any {
	if l == nil {
		return []any{}
	}
	return l
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
