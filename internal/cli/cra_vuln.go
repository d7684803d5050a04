package cli

import (
	"github.com/vouchdev/vouch/pkg/cra"
)

// craVulnOptions opens the vulnerability database of --db and wires the
// VEX reader into the report's options.
func craVulnOptions(o *cra.Options, db string) error {
	if db != "" {
		return usagef("--db %s: this build of vouch has no vulnerability database reader yet", db)
	}
	return nil
}
