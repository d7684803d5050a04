package output

import (
	"fmt"
	"os"
	"path/filepath"
)

// WriteFileAtomicMode is WriteFileAtomic with a chosen permission, for
// files that must never be readable by others, not even for a moment (a
// private key is created 0600 from the start, not chmod-ed afterwards).
func WriteFileAtomicMode(name string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(name)
	// CreateTemp makes the file 0600; widen it only if asked.
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(name)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}
