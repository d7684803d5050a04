package cli

import (
	"errors"
	"fmt"

	"github.com/vouchdev/vouch/internal/safefile"
	"github.com/vouchdev/vouch/pkg/verify/policy"
	"github.com/vouchdev/vouch/pkg/vex"
	"github.com/vouchdev/vouch/pkg/vuln"
)

// vulnInputs opens the vulnerability database (--vuln-db, else
// $VOUCH_VULN_DB) and reads the user's VEX documents (--vex) for the
// policy's vulnerabilities gate. A database or document that cannot be
// read is an error (exit 1), never an empty database: the gate would pass
// on nothing.
func (e *env) vulnInputs(f *verifyFlags, pol *policy.Policy) (vuln.Matcher, []vex.Statement, error) {
	dir, flag := f.vulnDB, "--vuln-db"
	if dir == "" {
		dir, flag = e.getenv(vuln.DBEnv), "$"+vuln.DBEnv
	}
	if pol.Vulnerabilities == nil && len(f.vex) > 0 {
		return nil, nil, usagef("--vex: the policy has no vulnerabilities section: the statements would decide nothing")
	}
	var stmts []vex.Statement
	for _, file := range f.vex {
		st, err := readVEX(file)
		if err != nil {
			return nil, nil, err
		}
		stmts = append(stmts, st...)
	}
	if f.vulnDB != "" && pol.Vulnerabilities == nil {
		fmt.Fprintf(e.stderr, "note: --vuln-db %s: the policy has no vulnerabilities section: the database is not read\n", f.vulnDB)
	}
	if dir == "" || pol.Vulnerabilities == nil {
		// A database the policy does not ask for is not read: the
		// gate is the only reader.
		return nil, stmts, nil
	}
	db, err := openVulnDB(flag, dir)
	if err != nil {
		return nil, nil, err
	}
	// Several artifacts (a --batch) share their dependencies.
	return newMemoMatcher(db), stmts, nil
}

// openVulnDB opens an OSV database directory named by flag.
func openVulnDB(flag, dir string) (*vuln.DB, error) {
	db, err := vuln.Open(dir)
	if err != nil {
		return nil, &exitError{code: ExitError, err: fmt.Errorf("%s %s: %w", flag, dir, err)}
	}
	return db, nil
}

// readVEX reads one --vex document (OpenVEX or CycloneDX VEX).
func readVEX(file string) ([]vex.Statement, error) {
	data, err := safefile.Read("--vex", file, vex.MaxSize)
	if err != nil {
		return nil, &exitError{code: ExitError, err: err}
	}
	st, err := vex.Parse(file, data)
	if err != nil {
		if errors.Is(err, vex.ErrFormat) {
			return nil, &exitError{code: ExitError, err: fmt.Errorf("--vex: %w (want an OpenVEX or CycloneDX VEX document)", err)}
		}
		return nil, &exitError{code: ExitError, err: fmt.Errorf("--vex: %w", err)}
	}
	return st, nil
}
