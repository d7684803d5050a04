package java

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// pomWith is a pom.xml with the properties and dependency versions given.
func pomWith(props map[string]string, versions []string) []byte {
	var b strings.Builder
	b.WriteString("<project><groupId>org.example</groupId><artifactId>app</artifactId><version>1.0</version><properties>")
	for k, v := range props {
		fmt.Fprintf(&b, "<%s>%s</%s>", k, v, k)
	}
	b.WriteString("</properties><dependencies>")
	for i, v := range versions {
		fmt.Fprintf(&b, "<dependency><groupId>org.dep</groupId><artifactId>d%d</artifactId><version>%s</version></dependency>", i, v)
	}
	b.WriteString("</dependencies></project>")
	return []byte(b.String())
}

// TestReview3POMPropertyExpansion: pom.xml properties that name
// properties are expanded within bounds — a property naming itself a
// thousand times ("billion laughs" through ${...}, 1000⁸ bytes after the
// eight rounds) leaves that version unknown with a warning instead of
// exhausting memory — and the properties are gathered once per pom, not
// once per dependency (quadratic in a pom of thousands of both). The
// controls resolve chains of properties as before.
func TestReview3POMPropertyExpansion(t *testing.T) {
	many := make([]string, 5000)
	manyProps := map[string]string{}
	for i := range many {
		many[i] = "${v}"
		manyProps[fmt.Sprintf("p%d", i)] = "x"
	}
	manyProps["v"] = "2.0"
	for _, tc := range []struct {
		name    string
		pom     []byte
		want    map[string]string // dependency purl → version
		unknown int               // dependencies of unknown version
	}{
		{"control: a chain of properties", pomWith(map[string]string{"a": "${b}", "b": "${c}.3", "c": "1.2"}, []string{"${a}"}),
			map[string]string{"pkg:maven/org.dep/d0@1.2.3": "1.2.3"}, 0},
		{"a property naming itself a thousand times", pomWith(map[string]string{"a": strings.Repeat("${a}", 1000)}, []string{"${a}", "3.0"}),
			map[string]string{"pkg:maven/org.dep/d0": "", "pkg:maven/org.dep/d1@3.0": "3.0"}, 1},
		{"thousands of properties and dependencies", pomWith(manyProps, many), nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			frag, err := POM(context.Background(), "pom.xml", tc.pom)
			runtime.ReadMemStats(&after)
			if err != nil {
				t.Fatal(err)
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 256<<20 {
				t.Errorf("allocated %d MB for a pom.xml of %d KB", grew>>20, len(tc.pom)>>10)
			}
			for purl, v := range tc.want {
				if c := find(frag, purl); c == nil || c.Version != v {
					t.Errorf("%s: got %+v, want version %q", purl, c, v)
				}
			}
			unknown := 0
			for _, w := range frag.Warnings {
				if strings.Contains(w.Message, "is set outside this pom.xml") {
					unknown++
				}
			}
			if unknown != tc.unknown {
				t.Errorf("%d versions unknown, want %d: %v", unknown, tc.unknown, frag.Warnings)
			}
		})
	}
}
