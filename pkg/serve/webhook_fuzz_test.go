package serve

import (
	"strings"
	"testing"
)

// FuzzDecodeWebhook: the PUT webhook decoder never panics, and what it
// accepts is a URL the delivery worker will send to and a secret of the
// required length.
func FuzzDecodeWebhook(f *testing.F) {
	for _, seed := range []string{
		`{"url":"https://hooks.example/x","secret":"0123456789abcdef0123456789abcdef"}`,
		`{"url":"http://127.0.0.1:9/x","secret":"0123456789abcdef0123456789abcdef"}`,
		`{"url":"http://[::1]/x","secret":"0123456789abcdef0123456789abcdef"}`,
		`{"url":"http://10.0.0.1/x","secret":"0123456789abcdef0123456789abcdef"}`,
		`{"url":"https://u:p@h/x","secret":"s"}`,
		`{"URL":"https://h/","url":"https://h/","secret":"0123456789abcdef0123456789abcdef"}`,
		`{"url":"https://h/#f","secret":"0123456789abcdef0123456789abcdef"} {}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := decodeWebhook(data)
		if err != nil {
			return
		}
		if cerr := checkWebhookURL(req.URL); cerr != nil {
			t.Fatalf("accepted %q: %v", req.URL, cerr)
		}
		if u := strings.ToLower(req.URL); !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
			t.Fatalf("accepted a URL of another scheme: %q", req.URL)
		}
		if len(req.Secret) < MinWebhookSecret {
			t.Fatalf("accepted a secret of %d bytes", len(req.Secret))
		}
	})
}
