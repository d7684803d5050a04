package ruby

import (
	"cmp"
	"regexp"
	"strconv"
	"strings"
)

// reSegment splits a gem version as Gem::Version does: runs of digits and
// runs of letters ("1.0.0.pre2" is 1, 0, 0, "pre", 2).
var reSegment = regexp.MustCompile(`[0-9]+|[A-Za-z]+`)

// reVersion is Gem::Version's pattern of a well-formed version.
var reVersion = regexp.MustCompile(`^[0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$`)

// segments returns v's segments, numbers as int64 and letters as strings,
// without the trailing zeros Gem::Version ignores ("1.0" equals "1").
func segments(v string) []any {
	var out []any
	for _, s := range reSegment.FindAllString(v, -1) {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			out = append(out, n)
		} else {
			out = append(out, s)
		}
	}
	for len(out) > 0 && out[len(out)-1] == int64(0) {
		out = out[:len(out)-1]
	}
	return out
}

// compareVersions orders two gem versions as Gem::Version#<=> does: segment
// by segment, a missing one counting as 0; numbers by value, letters
// (prereleases) lexically, and a letter segment before any number.
func compareVersions(a, b string) int {
	x, y := segments(a), segments(b)
	for i := 0; i < max(len(x), len(y)); i++ {
		var p, q any = int64(0), int64(0)
		if i < len(x) {
			p = x[i]
		}
		if i < len(y) {
			q = y[i]
		}
		pn, pNum := p.(int64)
		qn, qNum := q.(int64)
		switch {
		case pNum && qNum:
			if c := cmp.Compare(pn, qn); c != 0 {
				return c
			}
		case pNum:
			return 1
		case qNum:
			return -1
		default:
			if c := strings.Compare(p.(string), q.(string)); c != 0 {
				return c
			}
		}
	}
	return 0
}

// bump returns the upper bound of "~> v": v without its prerelease part and
// its last segment, with the new last segment incremented ("~> 2.6" is
// "< 3", "~> 1.4.0" is "< 1.5"); a one-segment version is incremented.
func bump(v string) string {
	var nums []int64
	for _, s := range reSegment.FindAllString(v, -1) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			break
		}
		nums = append(nums, n)
	}
	if len(nums) > 1 {
		nums = nums[:len(nums)-1]
	}
	if len(nums) == 0 {
		nums = []int64{0}
	}
	nums[len(nums)-1]++
	parts := make([]string, len(nums))
	for i, n := range nums {
		parts[i] = strconv.FormatInt(n, 10)
	}
	return strings.Join(parts, ".")
}

// satisfies reports whether version meets every constraint of a gem
// requirement (">= 1.3.6", "~> 2.6", "!= 1.0", "1.2" meaning "= 1.2"). A
// constraint RubyGems would reject (an unknown operator, a malformed
// version) satisfies nothing.
func satisfies(version string, constraints []string) bool {
	for _, c := range constraints {
		c = strings.TrimSpace(c)
		op, v := "=", c
		for _, o := range []string{"~>", ">=", "<=", "!=", ">", "<", "="} {
			if rest, ok := strings.CutPrefix(c, o); ok {
				op, v = o, strings.TrimSpace(rest)
				break
			}
		}
		if !reVersion.MatchString(v) {
			return false
		}
		d := compareVersions(version, v)
		ok := false
		switch op {
		case "=":
			ok = d == 0
		case "!=":
			ok = d != 0
		case ">":
			ok = d > 0
		case "<":
			ok = d < 0
		case ">=":
			ok = d >= 0
		case "<=":
			ok = d <= 0
		case "~>":
			ok = d >= 0 && compareVersions(version, bump(v)) < 0
		}
		if !ok {
			return false
		}
	}
	return true
}
