// Command hello is the example release of vouch's README tour: build it,
// sign it, attest its SBOM and provenance, and verify it against a policy.
package main

import "fmt"

func main() { fmt.Println("hello, world") }
