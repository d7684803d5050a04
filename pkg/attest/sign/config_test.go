package sign

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
	sgsign "github.com/sigstore/sigstore-go/pkg/sign"
)

func TestPublicGoodSigningConfig(t *testing.T) {
	sc := PublicGoodSigningConfig()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f, err := root.SelectService(sc.FulcioCertificateAuthorityURLs(), sgsign.FulcioAPIVersions, now)
	if err != nil || f.URL != "https://fulcio.sigstore.dev" {
		t.Errorf("fulcio: %v %v", f, err)
	}
	r, err := root.SelectServices(sc.RekorLogURLs(), sc.RekorLogURLsConfig(), sgsign.RekorAPIVersions, now)
	if err != nil || len(r) != 1 || r[0].URL != "https://rekor.sigstore.dev" {
		t.Errorf("rekor: %v %v", r, err)
	}
	ts, err := root.SelectServices(sc.TimestampAuthorityURLs(), sc.TimestampAuthorityURLsConfig(), sgsign.TimestampAuthorityAPIVersions, now)
	if err != nil || len(ts) != 1 || ts[0].URL != "https://timestamp.sigstore.dev/api/v1/timestamp" {
		t.Errorf("tsa: %v %v", ts, err)
	}
}

func TestLoadSigningConfig(t *testing.T) {
	sc, err := LoadSigningConfig(filepath.Join("testdata", "staging.signing_config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got := sc.FulcioCertificateAuthorityURLs(); len(got) != 1 || got[0].URL != "https://fulcio.sigstage.dev" {
		t.Errorf("fulcio = %v", got)
	}
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct{ path, want string }{
		{filepath.Join(dir, "missing.json"), "no such file"},
		{write("garbage.json", "{"), "not a Sigstore signing config"},
		{write("trustedroot.json", `{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1"}`), "mediaType is"},
		{write("huge.json", `{"x":"`+strings.Repeat("a", MaxSigningConfigSize)+`"}`), "file too large"},
	} {
		_, err := LoadSigningConfig(tc.path)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", filepath.Base(tc.path), err, tc.want)
		}
	}
}
