// Package cosigntest checks vouch against the real cosign binary (v2.6.5):
// bundles vouch makes verify with cosign verify-blob and
// verify-blob-attestation, and bundles cosign makes verify with vouch's
// verifier. It holds only tests.
//
// The tests find cosign in $COSIGN, on PATH, or in $(go env GOPATH)/bin.
// Without it they skip, saying how to install it:
//
//	go install github.com/sigstore/cosign/v2/cmd/cosign@v2.6.5
//
// except under CI=true, where a missing cosign is a failure: .ci/run installs
// it before the tests.
package cosigntest
