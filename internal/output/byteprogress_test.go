package output

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestByteProgress(t *testing.T) {
	var buf bytes.Buffer
	now := time.Unix(0, 0)
	p := NewByteProgress(&buf, true, "release")
	p.start, p.now = now, func() time.Time { return now }

	p.Update(1, 100) // too early: short runs stay quiet
	if buf.Len() != 0 {
		t.Fatalf("drew %q before the delay", buf.String())
	}
	now = now.Add(time.Second)
	p.Update(3<<29, 1<<31)
	if got, want := buf.String(), "\rrelease: 1.5 GiB of 2.0 GiB (75%)"; got != want {
		t.Errorf("line %q, want %q", got, want)
	}
	p.Update(1<<31, 1<<31) // within 100ms of the last draw: skipped
	if strings.Count(buf.String(), "\r") != 1 {
		t.Errorf("redrew within the rate limit: %q", buf.String())
	}
	p.Done()
	if !strings.HasSuffix(buf.String(), "\r"+strings.Repeat(" ", len("release: 1.5 GiB of 2.0 GiB (75%)"))+"\r") {
		t.Errorf("Done did not clear the line: %q", buf.String())
	}

	var off bytes.Buffer
	q := NewByteProgress(&off, false, "release")
	q.start = time.Time{}
	q.Update(5, 10)
	q.Done()
	if off.Len() != 0 {
		t.Errorf("inactive progress wrote %q", off.String())
	}
}

func TestFormatBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB", 5 << 20: "5.0 MiB", 1 << 30: "1.0 GiB", 3 << 40: "3.0 TiB"} {
		if got := FormatBytes(n); got != want {
			t.Errorf("FormatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
