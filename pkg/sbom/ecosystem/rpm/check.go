package rpm

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"os"

	"github.com/erikvarga/go-rpmdb/pkg/bdb"
)

// go-rpmdb trusts the lengths a database states: its NDB reader prints
// "bad slot magic" to standard output (which may carry the SBOM) and
// allocates a blob of whatever length a blob header claims, and its
// header parser allocates 16 bytes per index entry a header blob claims
// (2³¹ of them are a fatal out-of-memory, which no recover catches).
// checkDatabase reads the database's framing with bounded code of our
// own first, so that go-rpmdb only ever sees lengths that fit the file.

// Its Berkeley DB reader follows overflow page chains without bound (a
// chain that loops, or reaches a page of another type, never ends, and
// grows its value by a page per turn) and indexes pages with offsets read
// from them, panicking in a goroutine (a crash) on one past the page.

// checkDatabase checks the database copy at p: SQLite, NDB or Berkeley
// DB. Errors say what is wrong and where.
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
	return checkBDB(data)
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
		if err := checkHeaderEntries(data[off+16 : off+16+n]); err != nil {
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
		if err := checkHeaderEntries(blob); err != nil {
			return fmt.Errorf("SQLite package %d: %w", hnum, err)
		}
	}
	return rows.Err()
}

// checkHeaderBlob checks an rpm header blob's two counts (rpm's
// lib/header.c hdrblobInit): il index entries of 16 bytes, then dl bytes
// of data, which must fit the blob.
func checkHeaderBlob(b []byte) error {
	n := int64(len(b))
	if n < 8 {
		return fmt.Errorf("header blob of %d bytes, want at least 8", n)
	}
	il, dl := int64(int32(binary.BigEndian.Uint32(b))), int64(int32(binary.BigEndian.Uint32(b[4:])))
	if il < 1 || dl < 0 || 8+16*il+dl > n {
		return fmt.Errorf("header blob of %d bytes claims %d index entries and %d data bytes (8 + 16 × index entries + data bytes must fit the blob)", n, il, dl)
	}
	return nil
}

// rpm header data types (rpm's rpmTagType) and the size of one element
// of each, -1 for the NUL-terminated strings.
const (
	rpmString      = 6
	rpmStringArray = 8
	rpmI18NString  = 9
)

var rpmTypeSize = [...]int64{0, 1, 1, 2, 4, 8, -1, 1, -1, -1}

// checkHeaderEntries checks every index entry of a whole header blob
// against its data: a known type, an offset inside the data, elements
// that fit, and strings that end. go-rpmdb walks a string entry's count
// (up to 2³²) without requiring progress, rescanning the data each time
// (hours of CPU), and slices with offsets it does not check (a panic).
// Strings are scanned once: entries' strings do not overlap in a real
// header, so the bytes scanned in total are bounded by the data's size.
func checkHeaderEntries(b []byte) error {
	if err := checkHeaderBlob(b); err != nil {
		return err
	}
	be := binary.BigEndian
	il, dl := int64(be.Uint32(b)), int64(be.Uint32(b[4:]))
	data := b[8+16*il : 8+16*il+dl]
	var scanned int64
	for i := range il {
		e := b[8+16*i:]
		typ, off, count := int64(be.Uint32(e[4:])), int64(int32(be.Uint32(e[8:]))), int64(be.Uint32(e[12:]))
		switch {
		case typ >= int64(len(rpmTypeSize)):
			return fmt.Errorf("header entry %d: type %d, not an rpm data type", i, typ)
		case off < 0 || off > dl:
			return fmt.Errorf("header entry %d: data offset %d, outside the %d data bytes", i, off, dl)
		case rpmTypeSize[typ] >= 0 && count*rpmTypeSize[typ] > dl-off:
			return fmt.Errorf("header entry %d: %d elements of %d bytes at offset %d, past the %d data bytes", i, count, rpmTypeSize[typ], off, dl)
		case rpmTypeSize[typ] >= 0:
			continue
		}
		p := off
		for c := count; c > 0; c-- {
			j := int64(bytes.IndexByte(data[p:], 0))
			if j < 0 {
				return fmt.Errorf("header entry %d: string %d of %d does not end within the data", i, count-c+1, count)
			}
			if scanned += j + 1; scanned > dl {
				return fmt.Errorf("header entry %d: strings overlap other entries' (more string bytes than the %d data bytes)", i, dl)
			}
			p += j + 1
		}
	}
	return nil
}

// checkBDB walks a Berkeley DB hash database the way go-rpmdb does (every
// page up to the last, the values of hash pages that are off-page items,
// their overflow chains), with every offset and page number checked
// against the page and the file, and every chain ending within the file's
// page count in total (each overflow page belongs to one value).
func checkBDB(data []byte) error {
	if len(data) < 512 {
		return fmt.Errorf("Berkeley DB: %d bytes, shorter than its metadata page", len(data))
	}
	meta, err := bdb.ParseHashMetadataPage(data[:512])
	if err != nil {
		return fmt.Errorf("Berkeley DB metadata: %w", err)
	}
	ps := int64(meta.PageSize)
	if ps < 512 || ps > 65536 || ps&(ps-1) != 0 {
		return fmt.Errorf("Berkeley DB metadata: page size %d, want a power of two from 512 to 65536", ps)
	}
	pages := int64(meta.LastPageNo) + 1
	if pages*ps > int64(len(data)) {
		return fmt.Errorf("Berkeley DB metadata: %d pages of %d bytes, past the file's %d bytes", pages, ps, len(data))
	}
	w := bdbWalk{data: data, ps: ps, pages: pages, swapped: meta.Swapped}
	for pn := range pages {
		if err := w.page(pn); err != nil {
			return fmt.Errorf("Berkeley DB page %d: %w", pn, err)
		}
	}
	return nil
}

// bdbWalk is the state of checkBDB: steps counts the overflow pages
// followed so far.
type bdbWalk struct {
	data      []byte
	ps, pages int64
	swapped   bool
	steps     int64
}

func (w *bdbWalk) pageData(pn int64) []byte { return w.data[pn*w.ps : (pn+1)*w.ps] }

// page checks the off-page values of one hash page.
func (w *bdbWalk) page(pn int64) error {
	p := w.pageData(pn)
	h, err := bdb.ParseHashPage(p, w.swapped)
	if err != nil {
		return err
	}
	if h.PageType != bdb.HashUnsortedPageType && h.PageType != bdb.HashPageType {
		return nil
	}
	idx, err := bdb.HashPageValueIndexes(p, h.NumEntries, w.swapped)
	if err != nil {
		return err
	}
	for _, at := range idx {
		if int64(at) >= w.ps {
			return fmt.Errorf("value at offset %d, past the page's %d bytes", at, w.ps)
		}
		if p[at] != bdb.HashOffIndexPageType {
			continue
		}
		if int64(at)+bdb.HashOffPageSize > w.ps {
			return fmt.Errorf("off-page item at offset %d, past the page's %d bytes", at, w.ps)
		}
		e, err := bdb.ParseHashOffPageEntry(p[at:at+bdb.HashOffPageSize], w.swapped)
		if err != nil {
			return err
		}
		if err := w.chain(int64(e.PageNo)); err != nil {
			return fmt.Errorf("value at offset %d: %w", at, err)
		}
	}
	return nil
}

// chain follows one value's overflow pages from first and checks the
// header blob they hold.
func (w *bdbWalk) chain(first int64) error {
	var blob []byte
	for pn := first; pn != 0; {
		if pn >= w.pages {
			return fmt.Errorf("overflow page %d, past the last page %d", pn, w.pages-1)
		}
		if w.steps++; w.steps > w.pages {
			return fmt.Errorf("overflow chains longer than the database's %d pages (a loop)", w.pages)
		}
		p := w.pageData(pn)
		h, err := bdb.ParseHashPage(p, w.swapped)
		if err != nil {
			return err
		}
		if h.PageType != bdb.OverflowPageType {
			return fmt.Errorf("page %d of an overflow chain is of type %d, not overflow (%d)", pn, h.PageType, bdb.OverflowPageType)
		}
		used := w.ps - bdb.PageHeaderSize
		if h.NextPageNo == 0 {
			if used = int64(h.FreeAreaOffset); bdb.PageHeaderSize+used > w.ps {
				return fmt.Errorf("overflow page %d: %d bytes used, past the page's %d", pn, used, w.ps)
			}
		}
		// The chains hold at most the file's pages in total (steps).
		blob = append(blob, p[bdb.PageHeaderSize:bdb.PageHeaderSize+used]...)
		pn = int64(h.NextPageNo)
	}
	return checkHeaderEntries(blob)
}
