package archive

import (
	"context"
	"fmt"
	"io"

	"github.com/vouchdev/vouch/pkg/sbom/catalog/cataloger"
)

// Limits bound what one archive may make vouch read; see
// [cataloger.Limits], where they live so that every container (archives,
// next image layers) shares them.
type Limits = cataloger.Limits

// RatioFloor is how many bytes an archive may decompress to before
// [Limits.MaxRatio] applies.
const RatioFloor = cataloger.RatioFloor

// DefaultLimits are generous for real releases and stop decompression
// bombs long before they fill a disk; see [cataloger.DefaultLimits].
func DefaultLimits() Limits { return cataloger.DefaultLimits() }

// LimitError is returned when an archive exceeds one of its [Limits]: it
// is most likely a decompression bomb, and cataloguing stops.
type LimitError struct {
	Archive string // the archive's RelPath
	Limit   string // the field of Limits: "MaxEntries", "MaxEntrySize", "MaxTotalSize" or "MaxRatio"
	Value   int64  // the limit's value
	Entry   string // the entry being read, if any
}

func (e *LimitError) Error() string {
	where := e.Archive
	if e.Entry != "" {
		where += "!" + e.Entry
	}
	return fmt.Sprintf("catalog archive %s: exceeds limit %s=%d: possible decompression bomb", where, e.Limit, e.Value)
}

// budget counts what an archive has cost so far and enforces its limits.
type budget struct {
	ctx     context.Context
	rel     string
	lim     Limits
	entries int
	// compressed is the archive bytes consumed so far (the whole file for
	// zip, whose central directory is read first).
	compressed int64
	// stream is the decompressed bytes of a tar.gz, headers and padding
	// included; content is the entry bytes handed out, which for sparse
	// tar entries can exceed what the stream held.
	stream, content int64
}

func (b *budget) fail(limit string, value int64, entry string) error {
	return &LimitError{Archive: b.rel, Limit: limit, Value: value, Entry: entry}
}

// entry counts one more entry.
func (b *budget) entry(name string) error {
	b.entries++
	if b.entries > b.lim.MaxEntries {
		return b.fail("MaxEntries", int64(b.lim.MaxEntries), name)
	}
	return nil
}

// check enforces the archive-wide limits and the context.
func (b *budget) check(entry string) error {
	if err := b.ctx.Err(); err != nil {
		return err
	}
	out := max(b.stream, b.content)
	if out > b.lim.MaxTotalSize {
		return b.fail("MaxTotalSize", b.lim.MaxTotalSize, entry)
	}
	// Divide rather than multiply: MaxRatio×compressed could overflow.
	if out > RatioFloor && out/max(b.compressed, 1) > b.lim.MaxRatio {
		return b.fail("MaxRatio", b.lim.MaxRatio, entry)
	}
	return nil
}

// compressedReader counts archive bytes as they are consumed.
type compressedReader struct {
	b *budget
	r io.Reader
}

func (c compressedReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.b.compressed += int64(n)
	return n, err
}

// streamReader counts the decompressed bytes of a tar.gz stream.
type streamReader struct {
	b *budget
	r io.Reader
}

func (s streamReader) Read(p []byte) (int, error) {
	if err := s.b.check(""); err != nil {
		return 0, err
	}
	n, err := s.r.Read(p)
	s.b.stream += int64(n)
	if cerr := s.b.check(""); cerr != nil {
		return n, cerr
	}
	return n, err
}

// entryReader counts the bytes of one entry as they are read and fails as
// soon as one limit is passed.
type entryReader struct {
	b    *budget
	name string
	r    io.Reader
	n    int64
}

func (e *entryReader) Read(p []byte) (int, error) {
	if err := e.b.check(e.name); err != nil {
		return 0, err
	}
	n, err := e.r.Read(p)
	e.n += int64(n)
	e.b.content += int64(n)
	if e.n > e.b.lim.MaxEntrySize {
		return n, e.b.fail("MaxEntrySize", e.b.lim.MaxEntrySize, e.name)
	}
	if cerr := e.b.check(e.name); cerr != nil {
		return n, cerr
	}
	return n, err
}

// ctxReader stops reading once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Meter enforces [Limits] on a container that is read as tar streams but
// is not an archive file on disk: the layers of an image. One Meter counts
// the whole container, so that its limits hold across its streams.
type Meter struct{ b *budget }

// NewMeter starts counting a container named name (its [LimitError]s say
// Archive: name).
func NewMeter(ctx context.Context, name string, lim Limits) *Meter {
	return &Meter{&budget{ctx: ctx, rel: name, lim: lim.WithDefaults()}}
}

// Entry counts one more entry (file, directory, link, whiteout) named name.
func (m *Meter) Entry(name string) error { return m.b.entry(name) }

// Compressed counts n bytes of compressed input (a layer blob's size), the
// base of the ratio limit.
func (m *Meter) Compressed(n int64) { m.b.compressed += max(n, 0) }

// Stream counts the decompressed bytes of one stream (a layer's tar) as
// they are read.
func (m *Meter) Stream(r io.Reader) io.Reader { return streamReader{m.b, r} }

// File counts the bytes of one entry named name as they are read.
func (m *Meter) File(name string, r io.Reader) io.Reader {
	return &entryReader{b: m.b, name: name, r: r}
}
