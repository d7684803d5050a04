package serve_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/vouchdev/vouch/internal/nonet"
	"github.com/vouchdev/vouch/pkg/serve"
	"github.com/vouchdev/vouch/pkg/serve/store"
	"github.com/vouchdev/vouch/pkg/serve/store/storetest"
)

// samples is a scrape: each sample's value by "name{label="value",...}"
// (labels sorted; a histogram's observation count under name_count).
type samples map[string]float64

// scrape GETs /metrics without a token and parses it as Prometheus does.
func (e *env) scrape() samples {
	e.t.Helper()
	code, body := e.doAuth("GET", "/metrics", "", "")
	if code != http.StatusOK {
		e.t.Fatalf("GET /metrics: %d %s", code, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		e.t.Fatalf("GET /metrics: not Prometheus text: %v\n%s", err, body)
	}
	out := samples{}
	for name, f := range families {
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			slices.Sort(labels)
			key := name + "{" + strings.Join(labels, ",") + "}"
			switch {
			case m.GetCounter() != nil:
				out[key] = m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				out[key] = m.GetGauge().GetValue()
			case m.GetHistogram() != nil:
				out[strings.Replace(key, "{", "_count{", 1)] = float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return out
}

// scrapeCounted is what one scrape adds to the next one.
var scrapeCounted = map[string]float64{
	`vouch_http_requests_total{code="200",route="GET /metrics"}`:      1,
	`vouch_http_request_duration_seconds_count{route="GET /metrics"}`: 1,
}

// TestMetrics scrapes /metrics around a series of requests and checks that
// each counter moved by exactly what the requests did, and that a second
// server (its own registry) counted none of them.
func TestMetrics(t *testing.T) { storetest.Run(t, testMetrics) }

func testMetrics(t *testing.T, db storetest.DB) {
	nonet.Forbid(t)
	genuine := readFile(t, filepath.Join(publishDir, "bundle.sigstore.json"))
	e := newEnv(t, db, publishKey(t))
	other := newEnv(t, db, publishKey(t))
	e.putPolicy("npm", emptyPolicy)
	before, otherBefore := e.scrape(), other.scrape()
	const ver = "/v1/namespaces/npm/verifications"
	requests := []struct {
		path, body, auth string
		want             int
	}{
		{ver, verificationBody(publishSHA512, genuine), "Bearer " + e.token, 201},
		{ver, verificationBody(publishSHA512, genuine), "Bearer " + e.token, 200},
		{ver, verificationBody(otherSHA512, genuine), "Bearer " + e.token, 201},
		{ver, verificationBody(publishSHA512, readFile(t, keylessBundle)), "Bearer " + e.token, 422},
		{ver, verificationBody(publishSHA512, genuine), "Bearer vouch_unknown", 401},
		{"/v2/", "", "Bearer " + e.token, 404},
	}
	for _, r := range requests {
		if code, body := e.doAuth("POST", r.path, r.body, r.auth); code != r.want {
			t.Fatalf("POST %s: %d, want %d: %s", r.path, code, r.want, body)
		}
	}
	after := e.scrape()
	const route = `route="POST /v1/namespaces/{ns}/verifications"`
	want := map[string]float64{
		`vouch_http_requests_total{code="201",` + route + `}`:          2,
		`vouch_http_requests_total{code="200",` + route + `}`:          1,
		`vouch_http_requests_total{code="422",` + route + `}`:          1,
		`vouch_http_requests_total{code="401",` + route + `}`:          1,
		`vouch_http_requests_total{code="404",route="unmatched"}`:      1,
		`vouch_http_request_duration_seconds_count{` + route + `}`:     5,
		`vouch_http_request_duration_seconds_count{route="unmatched"}`: 1,
		`vouch_decisions_total{outcome="verified"}`:                    1,
		`vouch_decisions_total{outcome="refused"}`:                     1,
		`vouch_decisions_total{outcome="unverifiable"}`:                1,
		// The repeated request is answered from the store: not verified
		// again; the 422 stored nothing.
		`vouch_verification_stage_seconds_count{stage="verify"}`:  3,
		`vouch_verification_stage_seconds_count{stage="persist"}`: 2,
	}
	// The first scrape is counted once it is answered.
	maps.Copy(want, scrapeCounted)
	for key, delta := range want {
		if got := after[key] - before[key]; got != delta {
			t.Errorf("%s moved by %v, want %v", key, got, delta)
		}
	}
	// Control: nothing else of vouch's moved, and the other server
	// counted only its own scrape.
	for key, v := range after {
		if _, ok := want[key]; !ok && strings.HasPrefix(key, "vouch_") && v != before[key] {
			t.Errorf("%s moved by %v, want 0", key, v-before[key])
		}
	}
	otherAfter := other.scrape()
	for key, v := range otherAfter {
		if strings.HasPrefix(key, "vouch_") && v-otherBefore[key] != scrapeCounted[key] {
			t.Errorf("other server: %s moved by %v: the servers share a registry", key, v-otherBefore[key])
		}
	}
}

// TestRequestLog: every request is one log line with method, route,
// status, duration and namespace, and no token sent in a header ever
// appears in the log, whether the request passed or failed.
func TestRequestLog(t *testing.T) { storetest.Run(t, testRequestLog) }

func testRequestLog(t *testing.T, db storetest.DB) {
	nonet.Forbid(t)
	genuine := readFile(t, filepath.Join(publishDir, "bundle.sigstore.json"))
	e := newEnv(t, db, publishKey(t))
	var log bytes.Buffer
	e.srv = newServer(t, e.st, e.eng, slog.New(slog.NewJSONHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug})))
	const readToken, unknownToken = "vouch_readonlysecretXYZ", "vouch_unknownsecretXYZ"
	if err := e.st.CreateToken(context.Background(), store.Token{ID: "read", SHA256: sha256Hex([]byte(readToken)), Scope: "read"}); err != nil {
		t.Fatal(err)
	}
	admin := "Bearer " + e.token
	const ver = "/v1/namespaces/npm/verifications"
	requests := []struct {
		method, path, body, auth string
		want                     int
		route, namespace         string
	}{
		{"PUT", "/v1/namespaces/npm/policy", emptyPolicy, admin, 201, "PUT /v1/namespaces/{ns}/policy", "npm"},
		{"POST", ver, verificationBody(publishSHA512, genuine), admin, 201, "POST /v1/namespaces/{ns}/verifications", "npm"},
		{"POST", ver, verificationBody(publishSHA512, genuine), "Bearer " + unknownToken, 401, "POST /v1/namespaces/{ns}/verifications", "npm"},
		{"POST", ver, verificationBody(publishSHA512, genuine), "Bearer " + readToken, 403, "POST /v1/namespaces/{ns}/verifications", "npm"},
		{"POST", ver, `{"subject":`, admin, 400, "POST /v1/namespaces/{ns}/verifications", "npm"},
		{"GET", "/v2/", "", admin, 404, "unmatched", ""},
		{"GET", "/v1//subjects/x", "", admin, 404, "unmatched", ""},
		{"GET", "/healthz", "", admin, 200, "GET /healthz", ""},
	}
	for _, r := range requests {
		if code, body := e.doAuth(r.method, r.path, r.body, r.auth); code != r.want {
			t.Fatalf("%s %s: %d, want %d: %s", r.method, r.path, code, r.want, body)
		}
	}
	for _, secret := range []string{e.token, readToken, unknownToken, "Bearer"} {
		if strings.Contains(log.String(), secret) {
			t.Errorf("the log holds %q:\n%s", secret, log.String())
		}
	}
	// Control: the log is there, one line per request, with its fields.
	var lines []map[string]any
	sc := bufio.NewScanner(&log)
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		lines = append(lines, line)
	}
	if len(lines) != len(requests) {
		t.Fatalf("%d log lines for %d requests:\n%s", len(lines), len(requests), log.String())
	}
	for i, r := range requests {
		l := lines[i]
		ns, _ := l["namespace"].(string)
		if l["method"] != r.method || l["route"] != r.route || l["status"] != float64(r.want) || ns != r.namespace {
			t.Errorf("%s %s: log line %v: want method %s, route %q, status %d, namespace %q", r.method, r.path, l, r.method, r.route, r.want, r.namespace)
		}
		if _, ok := l["duration"].(float64); !ok {
			t.Errorf("%s %s: log line %v: no duration", r.method, r.path, l)
		}
		if wantErr := r.want >= 400; wantErr != (l["code"] != nil) {
			t.Errorf("%s %s: log line %v: error code present %v, want %v", r.method, r.path, l, !wantErr, wantErr)
		}
	}
}

// TestProbes: /readyz passes while the database answers and is a 503 with
// the API's error once it does not, while /healthz, which does not touch
// the database, still passes; neither needs a token.
func TestProbes(t *testing.T) { storetest.Run(t, testProbes) }

func testProbes(t *testing.T, db storetest.DB) {
	nonet.Forbid(t)
	e := newEnv(t, db)
	probe := func(path string, want int, status string) {
		t.Helper()
		code, body := e.doAuth("GET", path, "", "")
		if code != want {
			t.Fatalf("GET %s: %d, want %d: %s", path, code, want, body)
		}
		if want == http.StatusOK {
			if got := decode[serve.StatusBody](t, body).Status; got != status {
				t.Errorf("GET %s: status %q, want %q", path, got, status)
			}
			return
		}
		if got := decode[serve.ErrorBody](t, body).Error.Code; got != status {
			t.Errorf("GET %s: error code %q, want %q: %s", path, got, status, body)
		}
	}
	probe("/healthz", 200, "ok")
	probe("/readyz", 200, "ready")
	e.st.Close()
	probe("/healthz", 200, "ok")
	probe("/readyz", 503, "unavailable")
}
