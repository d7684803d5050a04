package conformance

import (
	"testing"

	"github.com/vouchdev/vouch/internal/nonet"
)

// noNetwork fails the test on any HTTP request or DNS lookup.
func noNetwork(t *testing.T) { nonet.Forbid(t) }
