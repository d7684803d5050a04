package catalog

// The ecosystems compiled in: each package registers its catalogers with
// cataloger.Default from its init. gomod, gobin and archive are imported
// for their APIs too; a new ecosystem adds one blank import here.
import (
	_ "github.com/vouchdev/vouch/pkg/sbom/catalog/archive"
	_ "github.com/vouchdev/vouch/pkg/sbom/catalog/ecosystems"
	_ "github.com/vouchdev/vouch/pkg/sbom/catalog/gobin"
	_ "github.com/vouchdev/vouch/pkg/sbom/catalog/gomod"
	_ "github.com/vouchdev/vouch/pkg/sbom/catalog/manifests"
)
