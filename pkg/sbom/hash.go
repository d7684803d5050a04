package sbom

import (
	"fmt"
	"strconv"
)

// hashHexDigits is the length, in hexadecimal digits, of a digest of each
// algorithm vouch knows, under every spelling the decoders put in the model
// (CycloneDX's, and SPDX 2's where the model has no name of its own).
// 0 marks an algorithm of variable length (MD6): only its alphabet is
// checked.
var hashHexDigits = map[HashAlgorithm]int{
	MD5: 32, "MD2": 32, "MD4": 32, "MD6": 0,
	SHA1: 40, "SHA-224": 56, "SHA224": 56, SHA256: 64, SHA384: 96, SHA512: 128,
	"SHA3-224": 56, "SHA3-256": 64, "SHA3-384": 96, "SHA3-512": 128,
	"BLAKE2b-256": 64, "BLAKE2b-384": 96, "BLAKE2b-512": 128,
	"BLAKE3":  64, // an extendable output: 256 bits unless more are asked for
	"ADLER32": 8,
}

// CheckForm reports whether h.Value has the form of a digest of
// h.Algorithm: hexadecimal digits (either case), as many as the algorithm
// produces (at least 64, and an even number, for BLAKE3, whose output length
// is chosen by the user). An algorithm vouch does not know is only held to
// the alphabet. A value of the wrong form proves nothing about the bytes it
// claims to digest, so a check that asks for a hash must not count it.
func (h Hash) CheckForm() error {
	v := h.Value
	if v == "" {
		return fmt.Errorf("%s value is empty", h.Algorithm)
	}
	for i := 0; i < len(v); i++ {
		if !isHex(v[i]) {
			return fmt.Errorf("%s value %s is not hexadecimal (character %d)", h.Algorithm, quoteShort(v), i+1)
		}
	}
	want, known := hashHexDigits[h.Algorithm]
	switch {
	case h.Algorithm == "BLAKE3":
		if len(v) < want || len(v)%2 != 0 {
			return fmt.Errorf("BLAKE3 value has %d hex digits, want an even number of at least %d", len(v), want)
		}
	case known && want > 0 && len(v) != want:
		return fmt.Errorf("%s value has %d hex digits, want %d", h.Algorithm, len(v), want)
	case len(v)%2 != 0:
		return fmt.Errorf("%s value has an odd number of hex digits (%d)", h.Algorithm, len(v))
	}
	return nil
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// quoteShort quotes s for a message, cut to 40 bytes.
func quoteShort(s string) string {
	if len(s) > 40 {
		return strconv.Quote(s[:40]) + "…"
	}
	return strconv.Quote(s)
}
