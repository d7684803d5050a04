package layout

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// demo is the in-toto demo supply chain (see its ORIGIN).
const demo = "../../../testdata/in-toto-demo"

// copyDir copies the regular files of src into a new temporary directory:
// inspections write into their run directory, and tests tamper with files.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		in, err := os.Open(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out, err := os.Create(filepath.Join(dst, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(out, in); err != nil {
			t.Fatal(err)
		}
		in.Close()
		out.Close()
	}
	return dst
}

func TestDemo(t *testing.T) {
	ctx := context.Background()
	layout := filepath.Join(demo, "demo.layout")
	keys := []string{filepath.Join(demo, "alice.pub")}

	res, err := Verify(ctx, layout, keys, demo, Options{})
	if err != nil {
		t.Fatalf("demo without inspections: %v", err)
	}
	if got := strings.Join(res.Steps, ","); got != "package,write-code" {
		t.Errorf("steps %q", got)
	}
	if got := strings.Join(res.SkippedInspections, ","); got != "untar" {
		t.Errorf("skipped inspections %q, want untar", got)
	}
	if len(res.Inspections) != 0 {
		t.Errorf("inspections ran without RunInspections: %v", res.Inspections)
	}
	if d := res.Products["foo.tar.gz"]["sha256"]; d == "" {
		t.Errorf("foo.tar.gz is not among the products: %v", res.Products)
	}

	dir := copyDir(t, demo)
	res, err = Verify(ctx, filepath.Join(dir, "demo.layout"), []string{filepath.Join(dir, "alice.pub")}, dir, Options{RunInspections: true})
	if err != nil {
		t.Fatalf("demo with inspections: %v", err)
	}
	if got := strings.Join(res.Inspections, ","); got != "untar" || len(res.SkippedInspections) != 0 {
		t.Errorf("inspections %q, skipped %v", got, res.SkippedInspections)
	}
	if _, err := os.Stat(filepath.Join(dir, "untar.link")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("verification left an inspection link behind: %v", err)
	}
}

func TestDemoTampered(t *testing.T) {
	tests := []struct {
		name        string
		file        string
		inspections bool
		edit        func([]byte) []byte
	}{
		// A changed link breaks its signature.
		{"link changed", "package.d3ffd108.link", false, func(b []byte) []byte {
			return []byte(strings.Replace(string(b), `"tar"`, `"taR"`, 1))
		}},
		{"layout changed", "demo.layout", false, func(b []byte) []byte {
			return []byte(strings.Replace(string(b), `"write-code"`, `"write-kode"`, 1))
		}},
		// A changed final product fails the inspection's MATCH rule.
		{"final product changed", "foo.tar.gz", true, func(b []byte) []byte {
			return append(b, 0)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyDir(t, demo)
			p := filepath.Join(dir, tt.file)
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			changed := tt.edit(b)
			if string(changed) == string(b) {
				t.Fatal("edit changed nothing")
			}
			if err := os.WriteFile(p, changed, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err = Verify(context.Background(), filepath.Join(dir, "demo.layout"), []string{filepath.Join(dir, "alice.pub")}, dir,
				Options{RunInspections: tt.inspections})
			if !errors.Is(err, ErrFailed) {
				t.Fatalf("Verify = %v, want ErrFailed", err)
			}
		})
	}
}

type intotoCase struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"`
	Expect string `json:"expect"`
	Why    string `json:"why"`
	Params struct {
		Layout          string   `json:"layout"`
		LayoutKeys      []string `json:"layout_keys"`
		LinkDir         string   `json:"link_dir"`
		RunsInspections bool     `json:"runs_inspections"`
		File            string   `json:"file"`
		ExpectedKeyID   string   `json:"expected_keyid"`
	} `json:"params"`
}

func TestCases(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(demo, "cases", "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []intotoCase
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	local := func(p string) string {
		return filepath.Join(demo, "cases", strings.TrimPrefix(p, "in-toto/in-toto-golang/"))
	}
	ran := 0
	for _, c := range cases {
		t.Run(c.ID, func(t *testing.T) {
			switch c.Kind {
			case "in-toto-keyid":
				k, err := LoadKey(local(c.Params.File))
				if err != nil {
					t.Fatal(err)
				}
				if k.KeyID != c.Params.ExpectedKeyID {
					t.Errorf("key id %s, want %s", k.KeyID, c.Params.ExpectedKeyID)
				}
			case "in-toto-layout-verify":
				// Inspections write into their directory: run on a copy.
				dir := copyDir(t, local(c.Params.LinkDir))
				var keys []string
				for _, k := range c.Params.LayoutKeys {
					keys = append(keys, filepath.Join(dir, filepath.Base(k)))
				}
				_, err := Verify(context.Background(), filepath.Join(dir, filepath.Base(c.Params.Layout)), keys, dir,
					Options{RunInspections: c.Params.RunsInspections})
				switch {
				case c.Expect == "pass" && err != nil:
					t.Errorf("want pass (%s): %v", c.Why, err)
				case c.Expect == "fail" && !errors.Is(err, ErrFailed):
					t.Errorf("want a verification failure (%s), got %v", c.Why, err)
				}
			default:
				t.Fatalf("unknown kind %s", c.Kind)
			}
		})
		ran++
	}
	if ran != 11 {
		t.Errorf("ran %d cases, want 11", ran)
	}
}

func TestLimits(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.layout")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(MaxFileBytes + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := Verify(context.Background(), big, []string{filepath.Join(demo, "alice.pub")}, dir, Options{}); err == nil || errors.Is(err, ErrFailed) {
		t.Errorf("oversized layout: %v, want an operational error", err)
	}
	if _, err := Verify(context.Background(), filepath.Join(demo, "demo.layout"), nil, demo, Options{}); err == nil {
		t.Error("no layout keys: want an error")
	}
}
