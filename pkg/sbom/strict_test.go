package sbom

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// checkXML reads doc to its end with NewXMLDecoder.
func checkXML(doc []byte) error {
	d := NewXMLDecoder(bytes.NewReader(doc))
	for {
		if _, err := d.Token(); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
}

func TestNewXMLDecoder(t *testing.T) {
	deep := strings.Repeat("<a>", MaxDepth+1) + strings.Repeat("</a>", MaxDepth+1)
	ok := strings.Repeat("<a>", MaxDepth) + strings.Repeat("</a>", MaxDepth)
	for _, tt := range []struct {
		doc  string
		deep bool
	}{
		{ok, false},
		{deep, true},
		{`<?xml version="1.0"?><!-- <a><a> --><bom><x a=">"/><![CDATA[<a><a>]]></bom>`, false},
		{strings.Repeat(`<c k='/>'>`, MaxDepth+1), true},
		{strings.Repeat(`<c/>`, 10*MaxDepth), false},
		// End tags inside a processing instruction or a DOCTYPE's entity
		// value are not elements: they must not lower the count.
		{`<?pi </a></a></a></a>?>` + deep, true},
		{`<!DOCTYPE a [<!ENTITY x "</a></a></a></a>">]>` + deep, true},
		{strings.Repeat(`<a><?pi </a>?>`, MaxDepth+1), true},
	} {
		if err := checkXML([]byte(tt.doc)); errors.Is(err, ErrTooDeep) != tt.deep {
			t.Errorf("NewXMLDecoder(%.60q…): %v, want too deep %v", tt.doc, err, tt.deep)
		}
	}
}

// FuzzXMLDecoder holds NewXMLDecoder to encoding/xml's own decoder: it
// returns the same tokens, and refuses exactly the documents whose elements
// nest deeper than MaxDepth.
func FuzzXMLDecoder(f *testing.F) {
	for _, s := range []string{"<a><b/></a>", `<a x=">"><!--<b>--></a>`, "<a><![CDATA[<x>]]></a>", "<?pi <a>?><a/>", "<a><!DOCTYPE x></a>"} {
		f.Add(s, 1)
	}
	f.Fuzz(func(t *testing.T, s string, n int) {
		if n < 0 || n > 2*MaxDepth {
			return
		}
		doc := strings.Repeat("<e>", n) + s + strings.Repeat("</e>", n)
		limited := NewXMLDecoder(strings.NewReader(doc))
		plain := xml.NewDecoder(strings.NewReader(doc))
		depth := 0
		for {
			want, werr := plain.Token()
			got, gerr := limited.Token()
			if _, ok := want.(xml.StartElement); ok {
				if depth++; depth > MaxDepth {
					if !errors.Is(gerr, ErrTooDeep) {
						t.Fatalf("%d levels: %v, want ErrTooDeep", depth, gerr)
					}
					return
				}
			}
			if _, ok := want.(xml.EndElement); ok {
				depth--
			}
			if (werr == nil) != (gerr == nil) || fmt.Sprint(want) != fmt.Sprint(got) {
				t.Fatalf("token %v, %v; encoding/xml: %v, %v", got, gerr, want, werr)
			}
			if werr != nil {
				return
			}
		}
	})
}
