package cli

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/vouchdev/vouch/internal/safefile"
	"github.com/vouchdev/vouch/pkg/attest"
	"github.com/vouchdev/vouch/pkg/attest/release"
	"github.com/vouchdev/vouch/pkg/vex"
)

// vexAttestations reads each --vex document and returns it as an OpenVEX
// predicate to sign about the release (CycloneDX VEX converted, see
// vex.Predicate); author names the author of converted documents.
func vexAttestations(paths []string, author string, now time.Time) ([]release.Attestation, error) {
	var out []release.Attestation
	for _, p := range paths {
		data, err := safefile.Read("--vex", p, vex.MaxSize)
		if err != nil {
			return nil, &exitError{code: ExitError, err: err}
		}
		pred, err := vex.Predicate(p, data, author, now)
		if err != nil {
			return nil, &exitError{code: ExitError, err: err}
		}
		name := strings.TrimSuffix(filepath.Base(p), ".json") + release.SuffixVEXBundle
		out = append(out, release.Attestation{Name: name, PredicateType: vex.PredicateType, Predicate: pred})
	}
	return out, nil
}

// withoutVEX drops the --vex documents from the artifacts (a directory
// argument lists them when they sit beside the artifacts): a VEX document
// is signed as what it says, not as an artifact.
func withoutVEX(artifacts, vexPaths []string) []string {
	skip := map[string]bool{}
	for _, p := range vexPaths {
		if abs, err := filepath.Abs(p); err == nil {
			skip[abs] = true
		}
	}
	var out []string
	for _, a := range artifacts {
		if abs, err := filepath.Abs(a); err == nil && skip[abs] {
			continue
		}
		out = append(out, a)
	}
	return out
}

// vexPredicate checks a predicate given to vouch attest with an OpenVEX
// type (cosign's https://openvex.dev/ns or vex.PredicateType) as vouch
// reads VEX, converting CycloneDX VEX, so that nothing is signed that
// vouch vuln --vex would refuse; other predicates pass unchanged.
func vexPredicate(predType, name string, data []byte) ([]byte, error) {
	if predType != attest.PredicateOpenVEX && predType != vex.PredicateType {
		return data, nil
	}
	pred, err := vex.Predicate(name, data, "", time.Now().UTC().Truncate(time.Second))
	if err != nil {
		return nil, &exitError{code: ExitError, err: fmt.Errorf("--predicate %w", err)}
	}
	return pred, nil
}
