package serve

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/vouchdev/vouch/pkg/serve/store"
	"github.com/vouchdev/vouch/pkg/verify/policy"
)

// namespaceRE is what a namespace may be called: a registry's name for a
// tenant, safe in a URL path and a log line.
var namespaceRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)

// namespace returns the request's {ns}, or writes a 400.
func (s *Server) namespace(w http.ResponseWriter, r *http.Request) (string, bool) {
	ns := r.PathValue("ns")
	if !namespaceRE.MatchString(ns) {
		s.fail(w, r, http.StatusBadRequest, codeInvalidRequest, namespaceError(ns))
		return "", false
	}
	return ns, true
}

// namespaceError says why ns is no namespace name.
func namespaceError(ns string) string {
	return fmt.Sprintf("namespace %q: expected 1-63 characters a-z 0-9 . _ -, starting with a letter or digit", ns)
}

// fileFields are the parts of a policy that name files, which a served
// policy must not: they would be read from the server's disk.
type fileFields struct {
	Trust struct {
		Keys        []string `yaml:"keys"`
		TrustedRoot string   `yaml:"trustedRoot"`
	} `yaml:"trust"`
	Layout any `yaml:"layout"`
}

// parsePolicy compiles a served policy document, refusing one that names
// files before anything is read: the document is first decoded, with the
// same YAML library as policy.Parse, into the file fields alone. A type
// error leaves the other fields decoded, so they are checked whatever it
// says; the syntax and the rest are policy.Parse's to report, with lines.
// The compiled policy is checked again, so that no difference between the
// two decodings can let a file through. Errors wrap policy.ErrInvalid.
func parsePolicy(ns string, doc []byte) (*policy.Policy, error) {
	var ff fileFields
	_ = yaml.Unmarshal(doc, &ff)
	if err := refuseFiles(ff.Trust.Keys, ff.Trust.TrustedRoot, ff.Layout != nil); err != nil {
		return nil, err
	}
	p, err := policy.Parse("policy of namespace "+ns, doc, "")
	if err != nil {
		return nil, err
	}
	if err := refuseFiles(p.Trust.Keys, p.Trust.TrustedRoot, p.Layout != nil); err != nil {
		return nil, err
	}
	return p, nil
}

// refuseFiles says why a policy naming files cannot be served.
func refuseFiles(keys []string, trustedRoot string, layout bool) error {
	switch {
	case len(keys) > 0:
		return fmt.Errorf("%w: trust.keys: a served policy cannot name key files on the server: start vouch serve with --key", policy.ErrInvalid)
	case trustedRoot != "":
		return fmt.Errorf("%w: trust.trustedRoot: a served policy cannot name files on the server: start vouch serve with --trusted-root", policy.ErrInvalid)
	case layout:
		return fmt.Errorf("%w: layout: in-toto layouts name files on the server and are not served yet", policy.ErrInvalid)
	}
	return nil
}

// putPolicy stores a new version of a namespace's policy, creating the
// namespace; a document that does not compile stores nothing.
func (s *Server) putPolicy(w http.ResponseWriter, r *http.Request) {
	ns, ok := s.namespace(w, r)
	if !ok {
		return
	}
	doc, ok := s.readBody(w, r, policy.MaxPolicyBytes)
	if !ok {
		return
	}
	if _, err := parsePolicy(ns, doc); err != nil {
		code, status := codeInvalidPolicy, http.StatusBadRequest
		if !errors.Is(err, policy.ErrInvalid) {
			code, status = codeInternal, http.StatusInternalServerError
		}
		s.fail(w, r, status, code, err.Error())
		return
	}
	sum := sha256.Sum256(doc)
	p, created, err := s.cfg.Store.PutPolicy(r.Context(), ns, doc, hex.EncodeToString(sum[:]))
	switch {
	case errors.Is(err, store.ErrConflict):
		s.fail(w, r, http.StatusConflict, codeConflict, "another policy for "+ns+" was stored at the same time: retry")
		return
	case err != nil:
		s.fail(w, r, http.StatusInternalServerError, codeInternal, "storing the policy failed")
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, policyRef(p))
}

// PolicyRef names one version of a namespace's policy.
type PolicyRef struct {
	Namespace string    `json:"namespace,omitempty"`
	Version   int64     `json:"version"`
	SHA256    string    `json:"sha256"`
	Created   time.Time `json:"created,omitzero"`
}

func policyRef(p store.Policy) PolicyRef {
	return PolicyRef{Namespace: p.Namespace, Version: p.Version, SHA256: p.SHA256, Created: p.Created}
}

// getPolicy returns the current policy document as it was put; its version
// and digest are in headers.
func (s *Server) getPolicy(w http.ResponseWriter, r *http.Request) {
	ns, ok := s.namespace(w, r)
	if !ok {
		return
	}
	p, ok := s.currentPolicy(w, r, ns)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "application/yaml")
	w.Header().Set("ETag", `"sha256:`+p.SHA256+`"`)
	w.Header().Set("Vouch-Policy-Version", strconv.FormatInt(p.Version, 10))
	w.Write(p.Document)
}

// currentPolicy returns the namespace's policy, or writes a 404 for an
// unknown namespace.
func (s *Server) currentPolicy(w http.ResponseWriter, r *http.Request, ns string) (store.Policy, bool) {
	p, err := s.cfg.Store.CurrentPolicy(r.Context(), ns)
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.fail(w, r, http.StatusNotFound, codeUnknownNS, "namespace "+ns+" does not exist: PUT its policy first")
		return store.Policy{}, false
	case err != nil:
		s.fail(w, r, http.StatusInternalServerError, codeInternal, "reading the policy failed")
		return store.Policy{}, false
	}
	return p, true
}

// readBody reads the request body, refusing one over limit with a 413.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		s.fail(w, r, http.StatusRequestEntityTooLarge, codeTooLarge, fmt.Sprintf("the request body is over the limit of %d bytes", limit))
		return nil, false
	case err != nil:
		s.fail(w, r, http.StatusBadRequest, codeInvalidRequest, "reading the request body failed: "+err.Error())
		return nil, false
	}
	return body, true
}
