// Package format is the registry of SBOM encoders and decoders.
//
// Each format lives in its own leaf package (cyclonedx, spdx2, spdx3) and
// registers here under a name and the spec versions it writes, so that the
// CLI's `-o FORMAT[@VERSION][=FILE]` and the decoders' content sniffing have
// one place to look.
package format

import (
	"context"
	"io"

	"github.com/vouchdev/vouch/pkg/sbom"
)

// Encoder writes a document in one format and spec version.
type Encoder interface {
	// Encode writes d to w. It must not modify d and must produce the same
	// bytes for the same document.
	Encode(w io.Writer, d *sbom.Document) error
}

// Decoder reads a document of one format family.
type Decoder interface {
	// Identify reports whether the first bytes of a file look like this
	// format, and which spec version they declare ("" if not found there).
	Identify(head []byte) (ok bool, version string)
	// Decode reads a whole document from r into the neutral model.
	Decode(ctx context.Context, r io.Reader) (*sbom.Document, error)
}
