package sign

import (
	_ "embed"
	"fmt"

	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/vouchdev/vouch/internal/safefile"
)

// MaxSigningConfigSize bounds a signing_config.json; real ones are ~2 KiB.
const MaxSigningConfigSize = 1 << 20

//go:embed trust/public-good.signing_config.json
var publicGoodSigningConfig []byte

// PublicGoodSigningConfig returns the signing configuration of Sigstore's
// public-good instance (Fulcio, Rekor and the timestamp authority at
// *.sigstore.dev), as embedded in vouch; see trust/ORIGIN.
func PublicGoodSigningConfig() *root.SigningConfig {
	sc, err := root.NewSigningConfigFromJSON(publicGoodSigningConfig)
	if err != nil {
		// The embedded file is tested; this cannot happen in a built binary.
		panic(fmt.Sprintf("embedded public-good signing config: %v", err))
	}
	return sc
}

// LoadSigningConfig reads a Sigstore signing_config.json
// (application/vnd.dev.sigstore.signingconfig.v0.2+json).
func LoadSigningConfig(path string) (*root.SigningConfig, error) {
	data, err := safefile.Read("--signing-config", path, MaxSigningConfigSize)
	if err != nil {
		return nil, err
	}
	sc, err := ParseSigningConfig(data)
	if err != nil {
		return nil, fmt.Errorf("signing config %s: %w", path, err)
	}
	return sc, nil
}

// ParseSigningConfig decodes a signing_config.json and checks its media type.
func ParseSigningConfig(data []byte) (*root.SigningConfig, error) {
	pb, err := root.NewSigningConfigProtobuf(data)
	if err != nil {
		return nil, fmt.Errorf("not a Sigstore signing config: %w", err)
	}
	if mt := pb.GetMediaType(); mt != root.SigningConfigMediaType02 {
		return nil, fmt.Errorf("mediaType is %q, want %q", mt, root.SigningConfigMediaType02)
	}
	return root.NewSigningConfigFromProtobuf(pb)
}
