package pep740

import (
	"crypto/x509"
	"encoding/json"
	"fmt"
	"path"
	"strings"

	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
)

const githubIssuer = "https://token.actions.githubusercontent.com"

// GitHubPublisher returns the Trusted Publisher object PyPI lists a GitHub
// Actions attestation under ({"environment": null, "kind": "GitHub",
// "repository": "OWNER/NAME", "workflow": "FILE.yml"}), read from the
// attestation object's certificate: its source repository and the
// workflow file of its build configuration (the caller's, not a reusable
// workflow's). The environment is not in the certificate. An attestation
// not signed on GitHub Actions has no such publisher (an error).
func GitHubPublisher(att []byte) (json.RawMessage, error) {
	var a struct {
		VerificationMaterial struct {
			Certificate string `json:"certificate"`
		} `json:"verification_material"`
	}
	if err := json.Unmarshal(att, &a); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPEP740, err)
	}
	der, err := decode64("verification_material.certificate", a.VerificationMaterial.Certificate)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("%w: verification_material.certificate: %v", ErrPEP740, err)
	}
	sum, err := certificate.SummarizeCertificate(cert)
	if err != nil {
		return nil, fmt.Errorf("%w: verification_material.certificate: %v", ErrPEP740, err)
	}
	ext := sum.Extensions
	repo, okRepo := strings.CutPrefix(ext.SourceRepositoryURI, "https://github.com/")
	config, _, _ := strings.Cut(ext.BuildConfigURI, "@")
	if ext.Issuer != githubIssuer || !okRepo || strings.Count(repo, "/") != 1 ||
		!strings.HasPrefix(config, ext.SourceRepositoryURI+"/.github/workflows/") {
		return nil, fmt.Errorf("%w: the certificate is not of a GitHub Actions workflow (issuer %q, repository %q)",
			ErrPEP740, ext.Issuer, ext.SourceRepositoryURI)
	}
	return json.Marshal(map[string]any{"environment": nil, "kind": "GitHub", "repository": repo, "workflow": path.Base(config)})
}
