// Command vouch makes a software release provable and lets anyone check it:
// SBOMs, signed provenance, verification. See `vouch --help`.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/vouchdev/vouch/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
