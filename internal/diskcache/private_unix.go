//go:build unix

package diskcache

import (
	"fmt"
	"os"
	"syscall"
)

// checkPrivate fails unless path is a directory (dir) or regular file
// owned by the effective user and writable by no one else. A symbolic link
// is refused: it could lead to a file another account controls.
func checkPrivate(path string, dir bool) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	kind, want := "regular file", fi.Mode().IsRegular()
	if dir {
		kind, want = "directory", fi.IsDir()
	}
	if !want {
		return fmt.Errorf("cache %s: expected a %s, found %s", path, kind, fi.Mode().Type())
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("cache %s: writable by other users (mode %v), not used", path, fi.Mode().Perm())
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Errorf("cache %s: owner unknown, not used", path)
	}
	if int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("cache %s: owned by uid %d, not by this user (%d), not used", path, st.Uid, os.Geteuid())
	}
	return nil
}
