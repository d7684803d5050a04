package cli

import (
	"io"
	"os"
)

func osGetenv(k string) string { return os.Getenv(k) }

// isTerminal reports whether w is a character device (a terminal), where
// progress and colour are welcome; files and pipes get neither.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
