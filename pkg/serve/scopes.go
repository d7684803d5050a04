package serve

import (
	"fmt"
	"net/http"

	"github.com/vouchdev/vouch/pkg/serve/store"
)

// Scopes of API tokens. verify, read and admin are given for one namespace;
// admin for namespace "" is the global admin.
const (
	// ScopeVerify may POST verifications in its namespace.
	ScopeVerify = "verify"
	// ScopeRead may read its namespace's policy and records.
	ScopeRead = "read"
	// ScopeAdmin may put its namespace's policy, verify and read there;
	// for namespace "" (the global admin) it may do everything, tokens
	// included.
	ScopeAdmin = "admin"
)

// access is what a route needs of a token.
type access int

const (
	// accessAny: any valid token (what no route takes: its 404 or 405).
	accessAny access = iota
	// accessVerify: verify or admin in the path's {ns}.
	accessVerify
	// accessRead: read or admin in the path's {ns}.
	accessRead
	// accessPolicy: admin in the path's {ns}.
	accessPolicy
	// accessRecords: read or admin in some namespace; the handler shows
	// only that namespace's records (another's are not found).
	accessRecords
	// accessGlobal: the global admin.
	accessGlobal
)

// routeAccess maps route patterns to what they need. A route missing here
// needs the global admin: a new endpoint is closed until its access is
// stated.
var routeAccess = map[string]access{
	"":                                       accessAny,
	"/":                                      accessAny,
	"PUT /v1/namespaces/{ns}/policy":         accessPolicy,
	"GET /v1/namespaces/{ns}/policy":         accessRead,
	"POST /v1/namespaces/{ns}/verifications": accessVerify,
	"GET /v1/verifications/{id}":             accessRecords,
	"GET /v1/subjects/{digest}":              accessRecords,
	"PUT /v1/namespaces/{ns}/webhook":        accessPolicy,
	"GET /v1/namespaces/{ns}/webhook":        accessPolicy,
	"DELETE /v1/namespaces/{ns}/webhook":     accessPolicy,
	"POST /v1/tokens":                        accessGlobal,
	"GET /v1/tokens":                         accessGlobal,
	"DELETE /v1/tokens/{id}":                 accessGlobal,
}

// accessOf is what the route pattern needs.
func accessOf(pattern string) access {
	if a, ok := routeAccess[pattern]; ok {
		return a
	}
	return accessGlobal
}

// isGlobalAdmin reports the token that may do everything.
func isGlobalAdmin(t store.Token) bool {
	return t.Scope == ScopeAdmin && t.Namespace == ""
}

// allows reports whether t may do what a needs in namespace ns (the path's
// {ns}, "" for routes without one). A scope it does not know allows
// nothing.
func allows(t store.Token, a access, ns string) bool {
	if isGlobalAdmin(t) {
		return true
	}
	switch {
	case t.Namespace == "":
		// Only admin may be global; a stored verify or read token without
		// a namespace was not made by this service and gets nothing.
		return false
	case t.Scope != ScopeVerify && t.Scope != ScopeRead && t.Scope != ScopeAdmin:
		return false
	}
	switch a {
	case accessAny:
		return true
	case accessVerify:
		return (t.Scope == ScopeVerify || t.Scope == ScopeAdmin) && t.Namespace == ns
	case accessRead:
		return readsNamespace(t, ns)
	case accessPolicy:
		return t.Scope == ScopeAdmin && t.Namespace == ns
	case accessRecords:
		return t.Scope == ScopeRead || t.Scope == ScopeAdmin
	}
	return false
}

// readsNamespace reports whether t may read the records and policy of ns.
func readsNamespace(t store.Token, ns string) bool {
	return isGlobalAdmin(t) || (t.Scope == ScopeRead || t.Scope == ScopeAdmin) && t.Namespace != "" && t.Namespace == ns
}

// permitted checks t's scope for the route r matched, writing a 403 when
// it does not allow it. The check comes before anything is looked up, so
// that a 403 tells nothing about whether a namespace exists.
func (s *Server) permitted(w http.ResponseWriter, r *http.Request, t store.Token) bool {
	a := accessOf(r.Pattern)
	ns := r.PathValue("ns")
	if allows(t, a, ns) {
		return true
	}
	s.fail(w, r, http.StatusForbidden, codeForbidden, fmt.Sprintf("the API token %s (scope %q, namespace %q) may not %s: expected %s",
		t.ID, t.Scope, t.Namespace, r.Pattern, needs(a, ns)))
	return false
}

// needs says which tokens would be allowed.
func needs(a access, ns string) string {
	switch a {
	case accessVerify:
		return fmt.Sprintf("scope verify or admin in namespace %q, or the global admin", ns)
	case accessRead:
		return fmt.Sprintf("scope read or admin in namespace %q, or the global admin", ns)
	case accessPolicy:
		return fmt.Sprintf("scope admin in namespace %q, or the global admin", ns)
	case accessRecords:
		return "scope read or admin (records of its namespace), or the global admin"
	}
	return "the global admin (scope admin, no namespace)"
}
