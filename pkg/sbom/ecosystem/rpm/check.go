package rpm

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"os"
)

// go-rpmdb trusts the lengths a database states: its NDB reader prints
// "bad slot magic" to standard output (which may carry the SBOM) and
// allocates a blob of whatever length a blob header claims, and its
// header parser allocates 16 bytes per index entry a header blob claims
// (2³¹ of them are a fatal out-of-memory, which no recover catches).
// checkDatabase reads the database's framing with bounded code of our
// own first, so that go-rpmdb only ever sees lengths that fit the file.

// checkDatabase checks the database copy at p (SQLite or NDB; a Berkeley
// DB is handed to go-rpmdb as it is). Errors say what is wrong and where.
func checkDatabase(ctx context.Context, p string) error {
	data, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	switch {
	case bytes.HasPrefix(data, []byte("SQLite format 3\x00")):
		return checkSQLite(ctx, p)
	case bytes.HasPrefix(data, []byte("RpmP")):
		return checkNDB(data)
	}
	return nil
}

// NDB framing (rpm's lib/backend/ndb/rpmpkg.c): a 32-byte header, then
// slots of 16 bytes filling SlotNPages pages of 4096 bytes (the header
// taking the first two), each pointing at a blob of 16-byte blocks that
// starts with a 16-byte blob header.
const (
	ndbHeaderSize = 32
	ndbSlotSize   = 16
	ndbBlockSize  = 16
	ndbMaxPages   = 2048 // go-rpmdb's own cap
	ndbSlotMagic  = 'S' | 'l'<<8 | 'o'<<16 | 't'<<24
	ndbBlobMagic  = 'B' | 'l'<<8 | 'b'<<16 | 'S'<<24
)

// checkNDB checks every slot go-rpmdb will read, every blob a used slot
// points at, and the header blob inside it.
func checkNDB(data []byte) error {
	le := binary.LittleEndian
	size := int64(len(data))
	if size < ndbHeaderSize {
		return fmt.Errorf("NDB header: %d bytes, want %d", size, ndbHeaderSize)
	}
	pages := int64(le.Uint32(data[12:]))
	if version := le.Uint32(data[4:]); version != 0 || pages == 0 || pages > ndbMaxPages {
		return fmt.Errorf("NDB header: version %d, %d slot pages; want version 0 and 1 to %d pages", version, pages, ndbMaxPages)
	}
	slots := pages*4096/ndbSlotSize - 2
	if end := ndbHeaderSize + slots*ndbSlotSize; end > size {
		return fmt.Errorf("NDB header: %d slot pages end at byte %d, past the file's %d", pages, end, size)
	}
	for i := range slots {
		s := data[ndbHeaderSize+i*ndbSlotSize:]
		if m := le.Uint32(s); m != ndbSlotMagic {
			return fmt.Errorf("NDB slot %d: magic %#x, want %#x", i, m, ndbSlotMagic)
		}
		pkg := le.Uint32(s[4:])
		if pkg == 0 {
			continue // an empty slot
		}
		off := int64(le.Uint32(s[8:])) * ndbBlockSize
		if off+16 > size {
			return fmt.Errorf("NDB slot %d: blob at byte %d, past the file's %d", i, off, size)
		}
		b := data[off:]
		n := int64(le.Uint32(b[12:]))
		switch {
		case le.Uint32(b) != ndbBlobMagic:
			return fmt.Errorf("NDB blob of package %d at byte %d: magic %#x, want %#x", pkg, off, le.Uint32(b), ndbBlobMagic)
		case le.Uint32(b[4:]) != pkg:
			return fmt.Errorf("NDB blob at byte %d: package %d, its slot says %d", off, le.Uint32(b[4:]), pkg)
		case n > size-off-16:
			return fmt.Errorf("NDB blob of package %d at byte %d: %d bytes long, past the file's end (%d bytes)", pkg, off, n, size)
		}
		if err := checkHeaderBlob(data[off+16 : off+16+n]); err != nil {
			return fmt.Errorf("NDB blob of package %d: %w", pkg, err)
		}
	}
	return nil
}

// checkSQLite checks the header blob of every row go-rpmdb will read
// ("SELECT blob FROM Packages").
func checkSQLite(ctx context.Context, p string) error {
	db, err := sql.Open("sqlite", p)
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "SELECT hnum, blob FROM Packages")
	if err != nil {
		return fmt.Errorf("SQLite table Packages: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var hnum int64
		var blob []byte
		if err := rows.Scan(&hnum, &blob); err != nil {
			return fmt.Errorf("SQLite table Packages: %w", err)
		}
		if err := checkHeaderBlob(blob); err != nil {
			return fmt.Errorf("SQLite package %d: %w", hnum, err)
		}
	}
	return rows.Err()
}

// checkHeaderBlob checks an rpm header blob's two counts (rpm's
// lib/header.c hdrblobInit): il index entries of 16 bytes, then dl bytes
// of data, which must fit the blob.
func checkHeaderBlob(b []byte) error {
	if len(b) < 8 {
		return fmt.Errorf("header blob of %d bytes, want at least 8", len(b))
	}
	il, dl := int64(int32(binary.BigEndian.Uint32(b))), int64(int32(binary.BigEndian.Uint32(b[4:])))
	if il < 1 || dl < 0 || 8+16*il+dl > int64(len(b)) {
		return fmt.Errorf("header blob of %d bytes claims %d index entries and %d data bytes (8 + 16 × index entries + data bytes must fit the blob)", len(b), il, dl)
	}
	return nil
}
