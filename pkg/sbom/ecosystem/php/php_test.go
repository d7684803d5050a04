package php

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/ecotest"
)

// TestGroundTruth compares Composer's own composer.lock, from 2017 and
// 2026, with what testdata/truth.py computes from it with Python's json.
func TestGroundTruth(t *testing.T) {
	ecotest.GroundTruths(t, ComposerLock, "composer.lock", "composer-2017", "composer-2026")
}

func TestPURL(t *testing.T) {
	for _, tc := range []struct{ name, version, want string }{
		{"symfony/console", "v6.4.0", "pkg:composer/symfony/console@v6.4.0"},
		{"Composer/CA-Bundle", "1.5.12", "pkg:composer/composer/ca-bundle@1.5.12"},
	} {
		if got := PURL(tc.name, tc.version); got != tc.want {
			t.Errorf("PURL(%q, %q) = %s, want %s", tc.name, tc.version, got, tc.want)
		}
	}
}

// TestFields checks licences (several are a disjunction), dev scope and
// what provide/replace resolve, beside a dangling requirement and a
// repeated key, each with its control.
func TestFields(t *testing.T) {
	const lock = `{"packages":[{"name":"a/app","version":"1.0.0","license":["MIT","GPL-2.0-only"],"require":{"php":"^8","ext-json":"*","psr/log-implementation":"^1","b/b":"^1"}},` +
		`{"name":"m/monolog","version":"3.0.0","license":["MIT"],"provide":{"psr/log-implementation":"3.0.0"},"dist":{"shasum":"0123456789abcdef0123456789abcdef01234567"}}%s],` +
		`"packages-dev":[{"name":"p/phpunit","version":"11.0.0","license":["BSD-3-Clause"]}]}`
	frag, err := ComposerLock(context.Background(), "composer.lock", []byte(strings.Replace(lock, "%s", `,{"name":"b/b","version":"1.1.0"}`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if len(frag.Warnings) != 0 {
		t.Errorf("warnings: %v", frag.Warnings)
	}
	get := func(id string) sbom.Component {
		i := slices.IndexFunc(frag.Components, func(c sbom.Component) bool { return c.ID == id })
		if i < 0 {
			t.Fatalf("no %s", id)
		}
		return frag.Components[i]
	}
	if app := get("pkg:composer/a/app@1.0.0"); app.Licenses.Declared != "(MIT OR GPL-2.0-only)" {
		t.Errorf("app licence %q", app.Licenses.Declared)
	}
	if m := get("pkg:composer/m/monolog@3.0.0"); m.Hash(sbom.SHA1) != "0123456789abcdef0123456789abcdef01234567" {
		t.Errorf("monolog hashes %v", m.Hashes)
	}
	if p := get("pkg:composer/p/phpunit@11.0.0"); p.Scope != sbom.ScopeExcluded {
		t.Errorf("phpunit scope %s", p.Scope)
	}
	want := sbom.Dependency{Ref: "pkg:composer/a/app@1.0.0", DependsOn: []string{"pkg:composer/b/b@1.1.0", "pkg:composer/m/monolog@3.0.0"}, Completeness: sbom.CompletenessComplete}
	if i := slices.IndexFunc(frag.Dependencies, func(d sbom.Dependency) bool { return d.Ref == want.Ref }); i < 0 ||
		!slices.Equal(frag.Dependencies[i].DependsOn, want.DependsOn) || frag.Dependencies[i].Completeness != want.Completeness {
		t.Errorf("dependencies %+v", frag.Dependencies)
	}

	frag, err = ComposerLock(context.Background(), "composer.lock", []byte(strings.Replace(lock, "%s", ``, 1)))
	if err != nil || len(frag.Warnings) != 1 || !strings.Contains(frag.Warnings[0].Message, "depends on b/b") {
		t.Errorf("dangling requirement: %v %v", err, frag.Warnings)
	}
	_, err = ComposerLock(context.Background(), "composer.lock", []byte(strings.Replace(lock, "%s", `,{"name":"b/b","version":"1.1.0","version":"9.9.9"}`, 1)))
	if err == nil || !strings.Contains(err.Error(), "composer.lock") || !strings.Contains(err.Error(), "version") {
		t.Errorf("repeated key: %v", err)
	}
}

func FuzzComposerLock(f *testing.F) {
	ecotest.Fuzz(f, ComposerLock, []string{"testdata/composer-2017/composer.lock"})
}
