//go:build !unix

package diskcache

import (
	"fmt"
	"os"
)

// checkPrivate fails unless path is a directory (dir) or regular file and
// not a symbolic link. Ownership is not checked here: on these systems the
// user's cache directory is private by its access-control list.
func checkPrivate(path string, dir bool) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if dir && !fi.IsDir() || !dir && !fi.Mode().IsRegular() {
		return fmt.Errorf("cache %s: expected a directory or regular file, found %s", path, fi.Mode().Type())
	}
	return nil
}
