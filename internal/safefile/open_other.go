//go:build !unix

package safefile

import "os"

// openNoBlock checks the path before opening it: without O_NONBLOCK a
// FIFO would block in open, so it is refused by its stat first.
func openNoBlock(path string) (*os.File, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &os.PathError{Op: "open", Path: path, Err: ErrNotRegular}
	}
	return os.Open(path)
}

func clearNoBlock(*os.File) error { return nil }
