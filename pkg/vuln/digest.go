package vuln

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"

	"github.com/vouchdev/vouch/internal/safefile"
)

// fileDigest is what Digest names of one file of a database.
type fileDigest struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Digest names what the database holds: the hex SHA-256 of the list of its
// files (each one's path under the directory, size and SHA-256), so two
// directories with the same files have the same digest, wherever they are,
// and any changed, added or removed advisory file changes it. It reads
// every file, streaming (the whole Go database in a fraction of a second,
// a full OSV export in seconds): a caller that keeps the database computes
// it once, when it opens it.
func (db *DB) Digest(ctx context.Context) (string, error) {
	var files []string
	for _, eco := range db.Ecosystems() {
		files = append(files, db.ecosystems[eco]...)
	}
	files = append(files, db.flat...)
	slices.Sort(files)
	list := make([]fileDigest, 0, len(files))
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		d, err := digestFile(db.dir, f)
		if err != nil {
			return "", err
		}
		list = append(list, d)
	}
	data, err := json.Marshal(list)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

// digestFile hashes one file of the database in dir, streaming.
func digestFile(dir, path string) (fileDigest, error) {
	f, _, err := safefile.Open("vulnerability database file", path)
	if err != nil {
		return fileDigest{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return fileDigest{}, fmt.Errorf("vulnerability database file %s: %w", path, err)
	}
	name, err := filepath.Rel(dir, path)
	if err != nil {
		return fileDigest{}, fmt.Errorf("vulnerability database file %s: %w", path, err)
	}
	return fileDigest{Name: filepath.ToSlash(name), Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}
