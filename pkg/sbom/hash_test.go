package sbom

import (
	"strings"
	"testing"
)

func TestHashCheckForm(t *testing.T) {
	hex := func(n int) string { return strings.Repeat("a1", n/2) }
	tests := []struct {
		alg   HashAlgorithm
		value string
		want  string // "" for well-formed, else a part of the error
	}{
		{MD5, hex(32), ""},
		{SHA1, hex(40), ""},
		{"SHA-224", hex(56), ""},
		{SHA256, hex(64), ""},
		{SHA384, hex(96), ""},
		{SHA512, hex(128), ""},
		{SHA512, strings.ToUpper(hex(128)), ""},
		{"SHA3-256", hex(64), ""},
		{"SHA3-384", hex(96), ""},
		{"SHA3-512", hex(128), ""},
		{"BLAKE2b-256", hex(64), ""},
		{"BLAKE2b-384", hex(96), ""},
		{"BLAKE2b-512", hex(128), ""},
		{"BLAKE3", hex(64), ""},
		{"BLAKE3", hex(128), ""},
		{"ADLER32", hex(8), ""},
		{"MD6", hex(40), ""},
		{"X-NEW", hex(10), ""},
		{SHA512, "not-a-hash", "not hexadecimal"},
		{SHA512, hex(64), "has 64 hex digits, want 128"},
		{SHA512, hex(130), "has 130 hex digits, want 128"},
		{SHA256, hex(128), "want 64"},
		{MD5, hex(40), "want 32"},
		{SHA1, hex(32), "want 40"},
		{SHA384, hex(64), "want 96"},
		{"SHA3-256", hex(62), "want 64"},
		{"BLAKE2b-512", hex(64), "want 128"},
		{"BLAKE3", hex(32), "at least 64"},
		{"BLAKE3", hex(64) + "a", "an even number"},
		{SHA256, "", "empty"},
		{SHA256, hex(62) + "g1", "not hexadecimal"},
		{SHA256, "\x1b[31m" + hex(58), `"\x1b[31m`},
		{"X-NEW", "abc", "odd number"},
	}
	for _, tt := range tests {
		err := Hash{Algorithm: tt.alg, Value: tt.value}.CheckForm()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s %q: %v", tt.alg, tt.value, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s %q: %v, want an error with %q", tt.alg, tt.value, err, tt.want)
		}
	}
}
