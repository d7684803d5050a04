package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// rateFlag is --rate-limit: requests per second, written N, N/s, N/m or N/h.
type rateFlag float64

// rateUnits are the periods a rate may be given per.
var rateUnits = map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour}

func (r *rateFlag) String() string { return strconv.FormatFloat(float64(*r), 'g', -1, 64) + "/s" }

// Type names the value in the help.
func (r *rateFlag) Type() string { return "N/s" }

// Set parses N, N/s, N/m or N/h; N is a number of requests, 0 or more.
func (r *rateFlag) Set(s string) error {
	num, unit, per := strings.Cut(s, "/")
	d := time.Second
	if per {
		var ok bool
		if d, ok = rateUnits[unit]; !ok {
			return fmt.Errorf("expected N, N/s, N/m or N/h, found %q", s)
		}
	}
	n, err := strconv.ParseFloat(num, 64)
	if err != nil || !(n >= 0 && n <= 1e9) { // NaN fails both
		return fmt.Errorf("expected a number of requests from 0 to 1e9 (N, N/s, N/m or N/h), found %q", s)
	}
	*r = rateFlag(n / d.Seconds())
	return nil
}
