//go:build unix

package safefile

import (
	"os"
	"syscall"
)

// openNoBlock opens without waiting for a FIFO's writer: O_NONBLOCK makes
// open(2) return at once, and the caller's fstat then refuses the FIFO.
func openNoBlock(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}

// clearNoBlock puts a regular file back into blocking mode (reads of
// regular files never block, but the runtime poller is told the truth).
func clearNoBlock(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = syscall.SetNonblock(int(fd), false) }); err != nil {
		return err
	}
	return serr
}
