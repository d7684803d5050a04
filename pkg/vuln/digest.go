package vuln

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path/filepath"
	"slices"

	"github.com/vouchdev/vouch/internal/safefile"
)

// Digest names the database's content: the hex SHA-256 over the path
// (relative to its directory) and the SHA-256 of each file Match reads,
// in order. A decision made with the database depends on it, so a service
// that stores decisions keys them by it: the same request against a newer
// database is decided again, not answered from what the older one said.
// It reads every file once.
func (db *DB) Digest() (string, error) {
	files := slices.Clone(db.flat)
	for _, eco := range db.Ecosystems() {
		files = append(files, db.ecosystems[eco]...)
	}
	h := sha256.New()
	for _, p := range files {
		sum, err := fileSHA256(p)
		if err != nil {
			return "", err
		}
		rel, err := filepath.Rel(db.dir, p)
		if err != nil {
			rel = p
		}
		fmt.Fprintf(h, "%s\x00%s\n", filepath.ToSlash(rel), sum)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// fileSHA256 is the hex SHA-256 of one database file.
func fileSHA256(path string) (string, error) {
	f, _, err := safefile.Open("OSV database", path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("OSV database %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
