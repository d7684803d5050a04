package sbomtest

import (
	"strconv"
	"strings"
)

// NestedCycloneDX returns a CycloneDX 1.6 document, JSON or XML, of depth
// components each nested in the one before, each with a bom-ref, a
// supplier and a version: what a hostile document nested 20,000 deep looks
// like, or (at a depth within sbom.MaxDepth) a legitimate nested one.
func NestedCycloneDX(depth int, xml bool) []byte {
	var b strings.Builder
	if xml {
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="1"><components>`)
		for i := range depth {
			n := strconv.Itoa(i)
			b.WriteString(`<component type="library" bom-ref="c` + n + `"><supplier><name>S</name></supplier><name>c` + n + `</name><version>1</version><components>`)
		}
		for range depth {
			b.WriteString(`</components></component>`)
		}
		b.WriteString(`</components></bom>`)
		return []byte(b.String())
	}
	b.WriteString(`{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[`)
	for i := range depth {
		n := strconv.Itoa(i)
		b.WriteString(`{"type":"library","bom-ref":"c` + n + `","supplier":{"name":"S"},"name":"c` + n + `","version":"1","components":[`)
	}
	for range depth {
		b.WriteString(`]}`)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}
