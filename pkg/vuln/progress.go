package vuln

import "os"

// SetProgress has each read of the database's files call report with the
// bytes read so far and the size of the files being read (a zip counts
// its entries' compressed bytes as they are read), so that a command can
// draw a progress line while a large ecosystem streams. nil, the default,
// reports nothing. Set it before the DB is used: reads do not lock it.
func (db *DB) SetProgress(report func(done, total int64)) { db.progress = report }

// meter counts the bytes of one read of a list of files for
// db.progress; a nil meter counts nothing.
type meter struct {
	report func(done, total int64)
	// base is the size of the files finished, cur what was read of the
	// current one, total the size of all.
	base, cur, total int64
}

// newMeter is the meter of one read of files, nil when no one listens.
func (db *DB) newMeter(files []string) *meter {
	if db.progress == nil {
		return nil
	}
	m := &meter{report: db.progress}
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil {
			m.total += fi.Size()
		}
	}
	return m
}

// read counts n more bytes of the current file.
func (m *meter) read(n int64) {
	if m == nil {
		return
	}
	m.cur += n
	m.report(min(m.base+m.cur, m.total), m.total)
}

// fileDone counts the whole of a file of size bytes as read (a zip's
// headers and directory included).
func (m *meter) fileDone(size int64) {
	if m == nil {
		return
	}
	m.base, m.cur = m.base+size, 0
	m.report(min(m.base, m.total), m.total)
}
