package ecosystems

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/vouchdev/vouch/pkg/sbom"
	"github.com/vouchdev/vouch/pkg/sbom/catalog/cataloger"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem"
	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/python"
)

func init() {
	cataloger.Register(cataloger.Registration{
		Name: "python-wheel", What: "Python wheel (.whl)", Globs: []string{"*.whl"}, FoldCase: true,
		New: func(cfg cataloger.Config) cataloger.Cataloger {
			return cataloger.PerFile("python-wheel", func(ctx context.Context, f cataloger.File) (*sbom.Fragment, error) {
				return wheel(ctx, f, cfg.TempDir)
			})
		},
	})
}

// wheel reads a Python wheel, a zip archive holding one distribution: the
// METADATA of its top-level <name>-<version>.dist-info, as an installed
// distribution's is read. A wheel does not hold what it depends on, so the
// distribution's dependency list is left unknown.
func wheel(ctx context.Context, f cataloger.File, tempDir string) (*sbom.Fragment, error) {
	p, _, remove, err := cataloger.Local(ctx, f, tempDir)
	defer remove()
	if err != nil {
		return nil, err
	}
	zr, err := zip.OpenReader(p)
	if err != nil {
		return nil, fmt.Errorf("%s: not a zip archive: %w", f.Path(), err)
	}
	defer zr.Close()
	var meta *zip.File
	for _, e := range zr.File {
		dir, base := path.Split(e.Name)
		if base != "METADATA" || strings.Count(e.Name, "/") != 1 || !strings.HasSuffix(dir, ".dist-info/") {
			continue
		}
		if meta != nil {
			return nil, fmt.Errorf("%s: two distributions' METADATA (%s, %s): expected one *.dist-info", f.Path(), meta.Name, e.Name)
		}
		meta = e
	}
	if meta == nil {
		return nil, fmt.Errorf("%s: no <name>.dist-info/METADATA at the top of the wheel", f.Path())
	}
	rc, err := meta.Open()
	if err != nil {
		return nil, fmt.Errorf("%s!%s: %w", f.Path(), meta.Name, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, ecosystem.MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s!%s: %w", f.Path(), meta.Name, err)
	}
	return python.Distribution(ctx, f.Path()+"!"+meta.Name, data)
}
