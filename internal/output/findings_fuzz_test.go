package output

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/vouchdev/vouch/pkg/finding"
)

// FuzzHandlers: whatever a document or an advisory puts in a finding's
// strings, the text handler writes no control character to the terminal
// and the JSON and SARIF handlers write valid JSON with one SARIF result
// per finding that did not pass.
func FuzzHandlers(f *testing.F) {
	f.Add("dist/app", "pkg:golang/x@v1", "msg", "GO-2024-2687", "not_affected", "fail")
	f.Add("a\x1b]0;t\x07", "\u202e", "line\nbreak\ttab", "rule.x", "fixed", "error")
	f.Add("", "", "", "", "", "pass")
	f.Fuzz(func(t *testing.T, subject, purl, msg, id, vex, status string) {
		fs := []finding.Finding{
			{ID: "signer", Status: finding.Status(status), Subject: subject, Message: msg, Expected: msg, Found: purl},
			{ID: id, Status: finding.StatusFail, Subject: subject, PURL: purl, Component: msg, Message: msg,
				Vulnerability: &finding.Vulnerability{ID: id, Summary: msg, Severity: "high", VEX: vex, Justification: msg, Aliases: []string{purl}}},
		}
		var text, js, sarif bytes.Buffer
		for _, h := range []finding.Handler{NewTextHandler(&text, false), NewJSONHandler(&js), NewSARIFHandler(&sarif, VouchTool("v"))} {
			for _, f := range fs {
				if err := h.Finding(f); err != nil {
					t.Fatal(err)
				}
			}
			if err := h.Flush(); err != nil {
				t.Fatal(err)
			}
		}
		if strings.ContainsAny(text.String(), "\x1b\x07\u202e\r") {
			t.Errorf("control characters in text output: %q", text.String())
		}
		if !json.Valid(js.Bytes()) {
			t.Errorf("invalid JSON: %s", js.Bytes())
		}
		var log sarifLog
		if err := json.Unmarshal(sarif.Bytes(), &log); err != nil {
			t.Fatalf("invalid SARIF JSON: %v", err)
		}
		want := 1
		if finding.Status(status) != finding.StatusPass {
			want++
		}
		if got := len(log.Runs[0].Results); got != want {
			t.Errorf("%d SARIF results, want %d", got, want)
		}
	})
}
