// Package serveacceptance holds the acceptance tests of vouch serve that
// drive the built binary as an operator runs it: kill -9 under load and
// restart, replicas on one PostgreSQL, the same request on several
// replicas at once. It has no code of its own, only tests; being a package
// of its own, `go test ./...` runs it beside the others.
package serveacceptance
