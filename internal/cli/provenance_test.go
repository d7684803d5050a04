package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestProvenanceUsageExit2: malformed flags are usage errors (exit 2) and
// are caught before any artifact is read (the artifact here does not exist).
func TestProvenanceUsageExit2(t *testing.T) {
	for _, args := range [][]string{
		{"provenance"},
		{"provenance", "--no-such-flag", "a"},
		{"provenance", "--external-param", "novalue", "a"},
		{"provenance", "--external-param", "=v", "a"},
		{"provenance", "--external-param", "k=1", "--external-param", "k=2", "a"},
		{"provenance", "--builder-id", "my laptop", "a"},
		{"provenance", "--build-type", "relative/path", "a"},
		{"provenance", "--source-date-epoch", "yesterday", "a"},
		{"provenance", "--source-date-epoch", "-5", "a"},
	} {
		var out, errb bytes.Buffer
		code := Run(context.Background(), args, nil, &out, &errb)
		if code != ExitUsage {
			t.Errorf("%v: exit %d, want %d; stderr:\n%s", args, code, ExitUsage, errb.String())
		}
		if !strings.HasPrefix(errb.String(), "vouch: error: ") || out.Len() != 0 {
			t.Errorf("%v: stdout %q, stderr %q", args, out.String(), errb.String())
		}
	}
}
