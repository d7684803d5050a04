package cra

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"time"

	packageurl "github.com/package-url/packageurl-go"

	"github.com/vouchdev/vouch/internal/safefile"
	"github.com/vouchdev/vouch/internal/strictyaml"
)

// MaxConfigBytes bounds cra.yaml: a few lines of facts.
const MaxConfigBytes = 64 << 10

// ErrConfig marks a cra.yaml that is not valid: a usage error, the user's
// to fix.
var ErrConfig = errors.New("invalid CRA configuration")

// Config is cra.yaml: the facts about a product that only its
// manufacturer knows and that the report states as theirs.
type Config struct {
	Product      Product      `yaml:"product" json:"product"`
	Manufacturer Manufacturer `yaml:"manufacturer" json:"manufacturer"`
	// SupportPeriodEnd is the last day of the support period (CRA Article
	// 13(8)), YYYY-MM-DD.
	SupportPeriodEnd string `yaml:"supportPeriodEnd" json:"supportPeriodEnd"`
	// SecurityContact is where vulnerabilities are reported: the URL of a
	// security.txt (RFC 9116), or a mailto: or https: address.
	SecurityContact string `yaml:"securityContact" json:"securityContact"`
	// CVDPolicy is the URL of the coordinated vulnerability disclosure
	// policy (Annex I part II (5)).
	CVDPolicy string `yaml:"cvdPolicy" json:"cvdPolicy"`
	// Notes are the manufacturer's, printed as given.
	Notes string `yaml:"notes" json:"notes,omitempty"`
}

// Product names the product with digital elements the report is about.
type Product struct {
	Name    string `yaml:"name" json:"name"`
	Version string `yaml:"version" json:"version"`
	PURL    string `yaml:"purl" json:"purl"`
}

// Manufacturer is who places the product on the market (CRA Article 13),
// with a postal address and an email or web address (Annex II (1)).
type Manufacturer struct {
	Name    string `yaml:"name" json:"name"`
	Address string `yaml:"address" json:"address"`
	Email   string `yaml:"email" json:"email,omitempty"`
	URL     string `yaml:"url" json:"url,omitempty"`
}

// LoadConfig reads and validates cra.yaml.
func LoadConfig(file string) (*Config, error) {
	data, err := safefile.Read("--config", file, MaxConfigBytes)
	if errors.Is(err, safefile.ErrTooLarge) {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if err != nil {
		return nil, err
	}
	return ParseConfig(file, data)
}

// ParseConfig decodes cra.yaml (named name in messages) strictly and
// validates it: every field but notes is required, and each must have its
// form.
func ParseConfig(name string, data []byte) (*Config, error) {
	var c Config
	if err := strictyaml.Decode(data, &c); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrConfig, name, err)
	}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrConfig, name, err)
	}
	return &c, nil
}

// validate checks each field, naming the first that is wrong.
func (c *Config) validate() error {
	required := []struct{ key, v string }{
		{"product.name", c.Product.Name}, {"product.version", c.Product.Version}, {"product.purl", c.Product.PURL},
		{"manufacturer.name", c.Manufacturer.Name}, {"manufacturer.address", c.Manufacturer.Address},
		{"supportPeriodEnd", c.SupportPeriodEnd}, {"securityContact", c.SecurityContact}, {"cvdPolicy", c.CVDPolicy},
	}
	for _, r := range required {
		if strings.TrimSpace(r.v) == "" {
			return fmt.Errorf("%s: required, found nothing", r.key)
		}
	}
	if _, err := packageurl.FromString(c.Product.PURL); err != nil || !strings.HasPrefix(c.Product.PURL, "pkg:") {
		return fmt.Errorf("product.purl: want a package URL (pkg:TYPE/NAME@VERSION), found %q", c.Product.PURL)
	}
	if c.Manufacturer.Email == "" && c.Manufacturer.URL == "" {
		return errors.New("manufacturer: want an email or a url (CRA Annex II (1)), found neither")
	}
	if e := c.Manufacturer.Email; e != "" {
		if a, err := mail.ParseAddress(e); err != nil || a.Address != e {
			return fmt.Errorf("manufacturer.email: want an address (name@example.com), found %q", e)
		}
	}
	if u := c.Manufacturer.URL; u != "" && !isHTTPS(u) {
		return fmt.Errorf("manufacturer.url: want an https:// URL, found %q", u)
	}
	if _, err := ParseDate(c.SupportPeriodEnd); err != nil {
		return fmt.Errorf("supportPeriodEnd: want a date YYYY-MM-DD, found %q", c.SupportPeriodEnd)
	}
	if !isHTTPS(c.SecurityContact) && !isMailto(c.SecurityContact) {
		return fmt.Errorf("securityContact: want a security.txt URL (RFC 9116: https://HOST/.well-known/security.txt), an https:// URL or mailto:ADDRESS, found %q", c.SecurityContact)
	}
	if !isHTTPS(c.CVDPolicy) {
		return fmt.Errorf("cvdPolicy: want an https:// URL, found %q", c.CVDPolicy)
	}
	return nil
}

// ParseDate reads a calendar date, YYYY-MM-DD, as midnight UTC.
func ParseDate(s string) (time.Time, error) {
	return time.Parse(time.DateOnly, s)
}

// isHTTPS reports whether s is an absolute https URL with a host and
// nothing a page could not link to safely.
func isHTTPS(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Host != "" && u.User == nil && !strings.ContainsAny(s, " \t\r\n")
}

// isMailto reports whether s is mailto: and one address.
func isMailto(s string) bool {
	addr, ok := strings.CutPrefix(s, "mailto:")
	if !ok {
		return false
	}
	a, err := mail.ParseAddress(addr)
	return err == nil && a.Address == addr
}

// IsSecurityTxt reports whether a security contact is the location
// RFC 9116 §3 gives a security.txt: /.well-known/security.txt over https.
func IsSecurityTxt(s string) bool {
	u, err := url.Parse(s)
	return err == nil && isHTTPS(s) && u.Path == "/.well-known/security.txt"
}
