package cli

import (
	"errors"
	"fmt"

	"github.com/vouchdev/vouch/pkg/attest/release"
	"github.com/vouchdev/vouch/pkg/cra"
	"github.com/vouchdev/vouch/pkg/vex"
	"github.com/vouchdev/vouch/pkg/vuln"
)

// craVulnOptions opens the vulnerability database of --db and gives the
// report the VEX reader: VEX documents are read whether or not a database
// is given, so that a broken one is an error either way.
func craVulnOptions(o *cra.Options, db string) error {
	o.ParseVEX, o.ApplyVEX, o.SignedVEXSuffix = vex.Parse, vex.Apply, release.SuffixVEXBundle
	if db == "" {
		return nil
	}
	d, err := vuln.Open(db)
	if errors.Is(err, vuln.ErrLayout) {
		return usageError{fmt.Errorf("--db: %w", err)}
	}
	if err != nil {
		return &exitError{code: ExitError, err: fmt.Errorf("--db: %w", err)}
	}
	o.Matcher = d
	return nil
}
