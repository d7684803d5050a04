package sign

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/attest/sign/signtest"
)

func sha256Of(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:]
}

func b64json(payload string) string {
	return "e30." + base64.RawURLEncoding.EncodeToString([]byte(payload)) + ".c2ln"
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestTokenFromEnv(t *testing.T) {
	good := signtest.Token("https://token.actions.githubusercontent.com", "repo:vouchdev/vouch:ref:refs/heads/main")
	var gotAuth, gotAudience, gotAPI string
	gh := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth, gotAudience, gotAPI = r.Header.Get("Authorization"), r.URL.Query().Get("audience"), r.URL.Query().Get("api-version")
		switch r.Header.Get("Authorization") {
		case "Bearer request-token":
			w.Write([]byte(`{"count":1,"value":"` + good + `"}`))
		case "Bearer not-json":
			w.Write([]byte(`<html>`))
		case "Bearer empty":
			w.Write([]byte(`{"value":""}`))
		default:
			http.Error(w, "forbidden", http.StatusForbidden)
		}
	}))
	defer gh.Close()
	ghEnv := func(tok string) map[string]string {
		return map[string]string{EnvActionsTokenURL: gh.URL + "/token?api-version=2.0", EnvActionsToken: tok}
	}

	tok, err := TokenFromEnv(context.Background(), env(map[string]string{EnvIDToken: good + "\n"}), nil)
	if err != nil || tok != good {
		t.Errorf("SIGSTORE_ID_TOKEN: %q, %v", tok, err)
	}
	tok, err = TokenFromEnv(context.Background(), env(ghEnv("request-token")), gh.Client())
	if err != nil || tok != good {
		t.Fatalf("GitHub Actions: %q, %v", tok, err)
	}
	if gotAuth != "Bearer request-token" || gotAudience != "sigstore" || gotAPI != "2.0" {
		t.Errorf("request: auth %q audience %q api-version %q", gotAuth, gotAudience, gotAPI)
	}
	// SIGSTORE_ID_TOKEN wins over the ambient token.
	both := ghEnv("request-token")
	both[EnvIDToken] = signtest.Token("https://other", "me")
	if tok, _ := TokenFromEnv(context.Background(), env(both), gh.Client()); tok != both[EnvIDToken] {
		t.Error("SIGSTORE_ID_TOKEN did not take precedence")
	}

	for _, tc := range []struct {
		name string
		env  map[string]string
		is   error
		want string
	}{
		{"nothing", nil, ErrNoToken, "SIGSTORE_ID_TOKEN"},
		{"only url", map[string]string{EnvActionsTokenURL: gh.URL}, ErrNoToken, "id-token: write"},
		{"bad env token", map[string]string{EnvIDToken: "xyz"}, ErrInvalidToken, "$SIGSTORE_ID_TOKEN"},
		{"forbidden", ghEnv("wrong"), nil, "403"},
		{"not json", ghEnv("not-json"), nil, "not JSON"},
		{"empty value", ghEnv("empty"), nil, `no "value"`},
		{"bad url", map[string]string{EnvActionsTokenURL: "ftp://x", EnvActionsToken: "t"}, nil, "not an http(s) URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := TokenFromEnv(context.Background(), env(tc.env), gh.Client())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("err = %v, want errors.Is %v", err, tc.is)
			}
			if strings.Contains(err.Error(), "request-token") || strings.Contains(err.Error(), "wrong") {
				t.Error("error leaks the request token")
			}
		})
	}
}
