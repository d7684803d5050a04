package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/vouchdev/vouch/pkg/cra"
)

// chromium finds Debian's chromium (.ci/run installs it). Outside CI a
// machine without it skips the browser tests; under CI=true that is a
// failure, so the acceptance test cannot silently not run.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("VOUCH_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no chromium on PATH: .ci/run installs Debian's chromium (apt-get install chromium)")
	}
	t.Skip("no chromium on PATH (apt-get install chromium); CI=true makes this a failure")
	return ""
}

// browser starts a headless chromium with a fresh profile and no
// background traffic of its own, and records the URL of every request a
// page makes.
type browser struct {
	ctx      context.Context
	mu       sync.Mutex
	requests []string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	ctx, cancelTimeout := context.WithTimeout(context.Background(), 2*time.Minute)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc(); cancelTimeout() })
	b := &browser{ctx: bctx}
	if err := chromedp.Listen(bctx, b.record); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return b
}

func (b *browser) record(ev any) {
	var u string
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		u = e.Request.URL
	case network.EventRequestWillBeSent:
		u = e.Request.URL
	default:
		return
	}
	b.mu.Lock()
	b.requests = append(b.requests, u)
	b.mu.Unlock()
}

// open loads a file and returns the requests the page made while loading.
func (b *browser) open(t *testing.T, file string) []string {
	t.Helper()
	b.mu.Lock()
	b.requests = nil
	b.mu.Unlock()
	u := (&url.URL{Scheme: "file", Path: filepath.ToSlash(file)}).String()
	if err := chromedp.Do(b.ctx, chromedp.Navigate(u), chromedp.WaitReady("body")); err != nil {
		t.Fatalf("open %s: %v", u, err)
	}
	// A request a late resource would make has been sent by the time the
	// load event fired; give the network events a moment to arrive.
	time.Sleep(300 * time.Millisecond)
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.requests)
}

func eval[T any](t *testing.T, b *browser, js string) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %.60q: %v", js, err)
	}
	return v
}

// domRequirement is a requirement row as the browser shows it.
type domRequirement struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Label  string `json:"label"`
	Color  string `json:"color"`
}

const requirementsJS = `Array.from(document.querySelectorAll('tr.requirement')).map(tr => {
	const s = tr.querySelector('.status');
	return {id: tr.dataset.id, status: tr.dataset.status, label: s.textContent, color: getComputedStyle(s).color};
})`

// TestCRAReportInBrowser renders the CRA report of a real release — a Go
// binary with known-vulnerable modules, the whole Go vulnerability
// database, one VEX statement — in headless chromium: its sections, each
// requirement's status (as text and colour) and the vulnerability tables
// come from the DOM and match the JSON report of the same run; the page
// makes no request but for itself (the control page, with one image on a
// loopback server, is seen making one); it prints; screenshots are kept.
func TestCRAReportInBrowser(t *testing.T) {
	b := newBrowser(t)
	dir := craRelease(t)
	craVEX(t, dir, "pkg:golang/example.com/vulnapp@v1.0.0", "pkg:golang/gopkg.in/yaml.v2@v2.2.2", "GO-2022-0956")
	rep := craReport(t, dir, ExitFailure, "--db", "testdata/osv")
	report := filepath.Join(dir, "dist", "cra-report.html")

	requests := b.open(t, report)
	self := (&url.URL{Scheme: "file", Path: filepath.ToSlash(report)}).String()
	for _, r := range requests {
		if r != self {
			t.Errorf("the page made a request for %s", r)
		}
	}
	if len(requests) == 0 {
		t.Error("no request seen at all, not even the page's own: the network events are not recorded")
	}

	sections := eval[[]string](t, b, `Array.from(document.querySelectorAll('section[id]')).map(s => s.id)`)
	want := []string{"summary", "product", "requirements-part-i", "requirements-part-ii", "artifacts", "vulnerabilities", "missing"}
	if !slices.Equal(sections, want) {
		t.Errorf("sections %q, want %q", sections, want)
	}
	rows := eval[[]domRequirement](t, b, requirementsJS)
	checkRows(t, rows, rep)
	if got := eval[string](t, b, `document.getElementById('product-name').textContent`); got != "vulnapp" {
		t.Errorf("product name %q, want vulnapp", got)
	}
	verified := eval[[]string](t, b, `Array.from(document.querySelectorAll('section.artifact')).map(s => s.dataset.artifact + ' ' + s.dataset.verified)`)
	if !slices.Equal(verified, []string{"app true"}) {
		t.Errorf("artifacts %q, want app verified", verified)
	}
	checkVulnRows(t, b, rep)

	// Printed: the statuses stay visible, in words.
	if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	if hidden := eval[int](t, b, `Array.from(document.querySelectorAll('.status')).filter(s => s.offsetParent === null || s.textContent.trim() === '').length`); hidden != 0 {
		t.Errorf("printed: %d status labels hidden or empty", hidden)
	}
	pdf, err := chromedp.Call(b.ctx, page.PrintToPDF, page.PrintToPDFParams{})
	if err != nil || !bytes.HasPrefix(pdf.Data, []byte("%PDF-")) {
		t.Errorf("print to PDF: %v (%d bytes)", err, len(pdf.Data))
	}
	if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{}); err != nil {
		t.Fatal(err)
	}
	shots := artifactsDir(t)
	screenshot(t, b, shots, "cra-report.png", chromedp.FullScreenshot(100))
	if err := chromedp.Do(b.ctx, chromedp.EmulateViewport(1280, 1900)); err != nil {
		t.Fatal(err)
	}
	screenshot(t, b, shots, "cra-report-top.png", chromedp.CaptureScreenshot())

	// Control: a page that loads an image from a server is seen doing so,
	// so the empty list above is not a recorder that sees nothing.
	var hits int
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	control := filepath.Join(t.TempDir(), "control.html")
	if err := os.WriteFile(control, fmt.Appendf(nil, `<!DOCTYPE html><title>control</title><img src="%s/pixel.png">`, srv.URL), 0o644); err != nil {
		t.Fatal(err)
	}
	if reqs := b.open(t, control); !slices.Contains(reqs, srv.URL+"/pixel.png") {
		t.Errorf("control page: requests %q, want its image %s/pixel.png", reqs, srv.URL)
	}
}

// checkRows compares the DOM's requirement rows with the JSON report: the
// same ids in order, the same statuses, the status in words, one colour
// per status and different colours for different statuses.
func checkRows(t *testing.T, rows []domRequirement, rep *cra.Report) {
	t.Helper()
	if len(rows) != len(rep.Requirements) || len(rows) != 22 {
		t.Fatalf("%d requirement rows, JSON has %d, want 22", len(rows), len(rep.Requirements))
	}
	colour := map[string]string{}
	for i, r := range rows {
		q := rep.Requirements[i]
		if r.ID != q.ID || r.Status != string(q.Status) || r.Label != q.Status.Label() {
			t.Errorf("row %d: %s %s %q, JSON %s %s %q", i, r.ID, r.Status, r.Label, q.ID, q.Status, q.Status.Label())
		}
		if c, ok := colour[r.Status]; ok && c != r.Color {
			t.Errorf("status %s shown in %s and %s", r.Status, c, r.Color)
		}
		colour[r.Status] = r.Color
	}
	seen := map[string]string{}
	for st, c := range colour {
		if other, dup := seen[c]; dup {
			t.Errorf("statuses %s and %s share the colour %s", st, other, c)
		}
		seen[c] = st
	}
	// The release: signed, attested and with provenance (II.7 met); open
	// vulnerabilities (I.2.a, II.2 not met); I.1 is the manufacturer's to
	// declare.
	for id, want := range map[string]cra.Status{"II.7": cra.StatusMet, "I.2.a": cra.StatusNotMet, "II.2": cra.StatusNotMet, "I.1": cra.StatusDeclaration} {
		for _, r := range rows {
			if r.ID == id && r.Status != string(want) {
				t.Errorf("%s: %s, want %s", id, r.Status, want)
			}
		}
	}
}

// checkVulnRows compares the vulnerability tables with the JSON: the open
// ones without VEX, then the one the VEX statement resolves.
func checkVulnRows(t *testing.T, b *browser, rep *cra.Report) {
	t.Helper()
	type row struct {
		ID  string `json:"id"`
		VEX string `json:"vex"`
	}
	rows := eval[[]row](t, b, `Array.from(document.querySelectorAll('#vulnerabilities tr.vuln')).map(tr => ({id: tr.dataset.id, vex: tr.dataset.vex}))`)
	var want []row
	for _, v := range append(slices.Clone(rep.Vulnerabilities.Open), rep.Vulnerabilities.Resolved...) {
		want = append(want, row{v.Vulnerability.ID, v.Vulnerability.VEX})
	}
	if !slices.Equal(rows, want) || len(rep.Vulnerabilities.Open) < 10 {
		t.Errorf("vulnerability rows: %d in the page, %d in the JSON (%d open)", len(rows), len(want), len(rep.Vulnerabilities.Open))
	}
	if n := len(rows); n == 0 || rows[n-1] != (row{"GO-2022-0956", "not_affected"}) {
		t.Errorf("the last row is not the VEX-resolved GO-2022-0956: %v", rows)
	}
}

func readCRAJSON(t *testing.T, name string) *cra.Report {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var r cra.Report
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

// artifactsDir is $VOUCH_TEST_ARTIFACTS, else a directory that outlives
// the test (logged), for the screenshots.
func artifactsDir(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("VOUCH_TEST_ARTIFACTS"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	dir, err := os.MkdirTemp("", "vouch-test-artifacts-")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// screenshot writes a PNG of the page into dir and logs where. With
// VOUCH_UPDATE_DOCS=1, the viewport shot also replaces the README's
// docs/cra-report.png.
func screenshot(t *testing.T, b *browser, dir, name string, shot chromedp.Action[[]byte]) {
	t.Helper()
	png, err := chromedp.Run(b.ctx, shot)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("screenshot: not a PNG (%d bytes)", len(png))
	}
	file := filepath.Join(dir, name)
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", file)
	if name == "cra-report-top.png" && os.Getenv("VOUCH_UPDATE_DOCS") == "1" {
		if err := os.WriteFile(filepath.Join("..", "..", "docs", "cra-report.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
