package cra

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func TestParseConfig(t *testing.T) {
	valid, err := os.ReadFile("testdata/cra.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// Each case replaces one line of the valid file (the control).
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{"valid", "", "", ""},
		{"mailto contact", "securityContact: https://example.com/.well-known/security.txt", "securityContact: mailto:psirt@example.com", ""},
		{"unknown key", "  url: https://example.com", "  website: https://example.com", "line 10: manufacturer.website: unknown key"},
		{"no product name", "  name: hello", "  name: \"\"", "product.name: required, found nothing"},
		{"bad purl", "  purl: pkg:golang/example.com/hello@v1.0.0", "  purl: example.com/hello", `product.purl: want a package URL (pkg:TYPE/NAME@VERSION), found "example.com/hello"`},
		{"bad date", "supportPeriodEnd: 2031-12-31", "supportPeriodEnd: 2031-13-01", `supportPeriodEnd: want a date YYYY-MM-DD, found "2031-13-01"`},
		{"http contact", "securityContact: https://example.com/.well-known/security.txt", "securityContact: http://example.com/.well-known/security.txt", "securityContact: want a security.txt URL"},
		{"javascript cvd", "cvdPolicy: https://example.com/security/disclosure-policy", "cvdPolicy: javascript:alert(1)", `cvdPolicy: want an https:// URL, found "javascript:alert(1)"`},
		{"bad email", "  email: security@example.com", "  email: not an address", `manufacturer.email: want an address`},
		{"no way to reach", "  email: security@example.com\n  url: https://example.com", "", "manufacturer: want an email or a url"},
		{"duplicate key", "supportPeriodEnd: 2031-12-31", "supportPeriodEnd: 2031-12-31\nsupportPeriodEnd: 2041-12-31", `"supportPeriodEnd" already defined`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := string(valid)
			if tc.old != "" {
				if !strings.Contains(data, tc.old) {
					t.Fatalf("testdata/cra.yaml has no %q", tc.old)
				}
				data = strings.Replace(data, tc.old, tc.new, 1)
			}
			c, err := ParseConfig("cra.yaml", []byte(data))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("ParseConfig: %v", err)
				}
				if c.Product.Name != "hello" || c.SupportPeriodEnd != "2031-12-31" {
					t.Fatalf("ParseConfig = %+v", c)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), ErrConfig.Error()+": cra.yaml: ") {
				t.Fatalf("ParseConfig error = %v, want %q naming cra.yaml", err, tc.want)
			}
			if !errors.Is(err, ErrConfig) {
				t.Fatalf("ParseConfig error %v is not ErrConfig", err)
			}
		})
	}
}

func TestIsSecurityTxt(t *testing.T) {
	for in, want := range map[string]bool{
		"https://example.com/.well-known/security.txt":      true,
		"https://example.com/security.txt":                  false, // RFC 9116 §3: the well-known location
		"http://example.com/.well-known/security.txt":       false,
		"mailto:psirt@example.com":                          false,
		"https://example.com/.well-known/security.txt?x=1/": true,
	} {
		if got := IsSecurityTxt(in); got != want {
			t.Errorf("IsSecurityTxt(%q) = %v, want %v", in, got, want)
		}
	}
}
