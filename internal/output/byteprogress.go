package output

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// ByteProgress draws "LABEL: 1.2 GiB of 4.0 GiB (30%)" on a terminal while
// large inputs are read; elsewhere, or for inputs read in under a moment,
// it draws nothing. Update may be called from several goroutines.
type ByteProgress struct {
	w     io.Writer
	on    bool
	label string
	start time.Time
	now   func() time.Time

	mu    sync.Mutex
	last  time.Time
	width int
}

// byteProgressDelay and byteProgressEvery keep short runs quiet and the line
// from flickering.
const (
	byteProgressDelay = 500 * time.Millisecond
	byteProgressEvery = 100 * time.Millisecond
)

// NewByteProgress returns a progress line on w, active only when on is true.
func NewByteProgress(w io.Writer, on bool, label string) *ByteProgress {
	return &ByteProgress{w: w, on: on, label: label, start: time.Now(), now: time.Now}
}

// Update redraws the line with done of total bytes.
func (p *ByteProgress) Update(done, total int64) {
	if !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.now()
	if t.Sub(p.start) < byteProgressDelay || t.Sub(p.last) < byteProgressEvery {
		return
	}
	p.last = t
	line := fmt.Sprintf("%s: %s of %s", p.label, FormatBytes(done), FormatBytes(total))
	if total > 0 {
		line += fmt.Sprintf(" (%d%%)", done*100/total)
	}
	pad := max(p.width-len(line), 0)
	fmt.Fprintf(p.w, "\r%s%s", line, strings.Repeat(" ", pad))
	p.width = len(line)
}

// Done clears the line.
func (p *ByteProgress) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.width > 0 {
		fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", p.width))
		p.width = 0
	}
}

// FormatBytes renders n in binary units: "512 B", "1.5 KiB", "2.0 GiB".
func FormatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
