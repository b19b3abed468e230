package nuget

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// This file turns nuspec bytes into a small element tree. Nuspec files use
// several schema namespaces (2010/07, 2011/08, 2012/06, 2013/01, 2013/05,
// 2016/05 and none), so elements and attributes are matched by local name.

// element is one XML element of a nuspec: local name, attributes, the text
// directly inside it and its child elements.
type element struct {
	name     string
	attrs    []xml.Attr
	text     strings.Builder
	children []*element
}

// attr returns the value of the attribute with the given local name,
// ignoring namespace declarations, and whether it is present.
func (e *element) attr(local string) (string, bool) {
	for _, a := range e.attrs {
		if a.Name.Local == local && a.Name.Space != "xmlns" {
			return a.Value, true
		}
	}
	return "", false
}

// value returns the element's text without surrounding whitespace.
func (e *element) value() string { return strings.TrimSpace(e.text.String()) }

// childrenNamed returns the child elements with the given local name.
func (e *element) childrenNamed(name string) []*element {
	var out []*element
	for _, c := range e.children {
		if c.name == name {
			out = append(out, c)
		}
	}
	return out
}

// parseXML parses a nuspec into its root element. It refuses DOCTYPE and
// other <!...> declarations outright: a nuspec never needs them, and entity
// declarations are the vehicle of expansion ("billion laughs") attacks.
// encoding/xml itself never fetches external entities and rejects entity
// references other than the five predefined ones.
func parseXML(data []byte) (*element, error) {
	text, err := utf8Text(data)
	if err != nil {
		return nil, err
	}
	d := xml.NewDecoder(bytes.NewReader(text))
	d.Strict = true
	var badCharset string
	d.CharsetReader = func(label string, input io.Reader) (io.Reader, error) {
		switch strings.ToLower(label) {
		case "utf-8", "utf8", "us-ascii", "ascii", "utf-16", "utf-16le", "utf-16be", "unicode":
			return input, nil // already UTF-8: utf8Text transcoded UTF-16
		}
		badCharset = label
		return nil, errors.New("unsupported encoding")
	}

	var root *element
	var stack []*element
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if badCharset != "" {
			return nil, invalidf("The nuspec declares the encoding '%s', which is not supported; save it as UTF-8.", display(badCharset))
		}
		if err != nil {
			return nil, invalidf("The nuspec is not well-formed XML: %s.", display(strings.TrimSuffix(xmlError(err), ".")))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			el := &element{name: t.Name.Local, attrs: t.Attr}
			if len(stack) > 0 {
				parent := stack[len(stack)-1]
				parent.children = append(parent.children, el)
			} else if root != nil {
				return nil, invalidf("The nuspec is not well-formed XML: it has more than one root element.")
			} else {
				root = el
			}
			stack = append(stack, el)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			}
		case xml.Directive:
			return nil, invalidf("The nuspec contains a <!DOCTYPE> or other <!...> declaration; nuspec files may not declare a DOCTYPE or entities. Remove it.")
		}
	}
	if root == nil {
		return nil, invalidf("The nuspec has no XML elements: it is empty or not XML.")
	}
	return root, nil
}

// xmlError words an encoding/xml error without its package prefixes.
func xmlError(err error) string {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("line %d: %s", se.Line, se.Msg)
	}
	return strings.TrimPrefix(err.Error(), "xml: ")
}

// utf8Text returns the nuspec as UTF-8 without a byte-order mark,
// transcoding UTF-16 files (recognized by their BOM), and rejects invalid
// UTF-8.
func utf8Text(data []byte) ([]byte, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return fromUTF16(data[2:], data[0] == 0xFE)
	}
	if !utf8.Valid(data) {
		return nil, invalidf("The nuspec is not valid UTF-8 text; save it as UTF-8.")
	}
	return data, nil
}

// fromUTF16 transcodes UTF-16 text (without its BOM) to UTF-8.
func fromUTF16(b []byte, bigEndian bool) ([]byte, error) {
	if len(b)%2 != 0 {
		return nil, invalidf("The nuspec is not valid UTF-16 text: it has an odd number of bytes.")
	}
	units := make([]uint16, len(b)/2)
	for i := range units {
		if bigEndian {
			units[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		} else {
			units[i] = uint16(b[2*i+1])<<8 | uint16(b[2*i])
		}
	}
	var out bytes.Buffer
	for i := 0; i < len(units); i++ {
		r := rune(units[i])
		if utf16.IsSurrogate(r) {
			r = utf8.RuneError
			if i+1 < len(units) {
				r = utf16.DecodeRune(rune(units[i]), rune(units[i+1]))
				i++
			}
			if r == utf8.RuneError { // unpaired surrogate
				return nil, invalidf("The nuspec is not valid UTF-16 text; save it as UTF-8.")
			}
		}
		out.WriteRune(r)
	}
	return out.Bytes(), nil
}
