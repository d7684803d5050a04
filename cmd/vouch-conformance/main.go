// Command vouch-conformance is the sigstore-conformance test-suite adapter
// for vouch's bundle verification (see internal/conformance). Set
// VOUCH_OFFLINE=1 to verify against the TUF cache or the embedded
// public-good snapshot without network access.
package main

import (
	"context"
	"os"

	"github.com/vouchdev/vouch/internal/conformance"
)

func main() {
	opts := conformance.Options{Offline: os.Getenv("VOUCH_OFFLINE") == "1"}
	os.Exit(conformance.Run(context.Background(), os.Args[1:], os.Stdout, os.Stderr, opts))
}
