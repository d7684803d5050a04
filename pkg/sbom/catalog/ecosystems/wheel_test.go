package ecosystems

import (
	"bytes"
	"context"
	"io"
	"os"
	"testing"

	"github.com/vouchdev/vouch/pkg/sbom/ecosystem/ecotest"
)

// memFile is a file of an archive, held in memory.
type memFile struct{ data []byte }

func (m memFile) Path() string                 { return "x.whl" }
func (m memFile) Size() int64                  { return int64(len(m.data)) }
func (m memFile) Open() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(m.data)), nil }
func (m memFile) Host() string                 { return "x.whl" }
func (m memFile) Local() (string, bool)        { return "", false }

// FuzzWheel: any bytes named as a wheel are an error or a consistent
// fragment.
func FuzzWheel(f *testing.F) {
	data, err := os.ReadFile("../../ecosystem/python/testdata/wheel/wheel-0.43.0-py3-none-any.whl")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Fuzz(func(t *testing.T, data []byte) {
		frag, err := wheel(context.Background(), memFile{data}, t.TempDir())
		if err == nil {
			ecotest.Consistent(t, frag)
		}
	})
}
