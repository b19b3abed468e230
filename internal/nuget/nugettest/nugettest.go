// Package nugettest builds .nupkg files for tests and benchmarks: real zip
// archives with a nuspec at the root, byte-for-byte reproducible for the
// same Spec so that hashes in golden files stay stable; and the push
// request NuGet clients send them with.
package nugettest

import (
	"archive/zip"
	"bytes"
	"fmt"
	"html"
	"strings"
	"time"
)

// Spec describes a package to build. Zero fields get plausible defaults.
type Spec struct {
	ID, Version    string
	Description    string // default "A test package."
	Authors        string // default "Wharf Tests"
	Title, Summary string
	Tags           string
	ProjectURL     string
	License        string           // SPDX expression, e.g. "MIT"
	Dependencies   map[string][]Dep // by target framework; "" = any framework
	PackageTypes   []string
	Readme         []byte // embedded as README.md when not nil
	Icon           []byte // embedded as icon.png when not nil
	Payload        int    // bytes of incompressible content in lib/ (default 64)
	ExtraNuspecXML string // raw XML appended inside <metadata>
	Files          map[string][]byte
}

// Dep is one dependency.
type Dep struct{ ID, Range string }

// fixedTime makes archives reproducible.
var fixedTime = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// Nuspec renders the spec's manifest.
func (s Spec) Nuspec() string {
	var b strings.Builder
	e := html.EscapeString
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n")
	b.WriteString(`<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">` + "\n  <metadata>\n")
	field := func(name, v string) {
		if v != "" {
			fmt.Fprintf(&b, "    <%s>%s</%s>\n", name, e(v), name)
		}
	}
	field("id", s.ID)
	field("version", s.Version)
	field("title", s.Title)
	field("authors", def(s.Authors, "Wharf Tests"))
	field("description", def(s.Description, "A test package."))
	field("summary", s.Summary)
	field("tags", s.Tags)
	field("projectUrl", s.ProjectURL)
	if s.License != "" {
		fmt.Fprintf(&b, "    <license type=\"expression\">%s</license>\n", e(s.License))
	}
	if s.Readme != nil {
		b.WriteString("    <readme>README.md</readme>\n")
	}
	if s.Icon != nil {
		b.WriteString("    <icon>icon.png</icon>\n")
	}
	if len(s.PackageTypes) > 0 {
		b.WriteString("    <packageTypes>\n")
		for _, t := range s.PackageTypes {
			fmt.Fprintf(&b, "      <packageType name=\"%s\" />\n", e(t))
		}
		b.WriteString("    </packageTypes>\n")
	}
	if len(s.Dependencies) > 0 {
		b.WriteString("    <dependencies>\n")
		for _, tfm := range sortedKeys(s.Dependencies) {
			if tfm == "" {
				b.WriteString("      <group>\n")
			} else {
				fmt.Fprintf(&b, "      <group targetFramework=\"%s\">\n", e(tfm))
			}
			for _, d := range s.Dependencies[tfm] {
				fmt.Fprintf(&b, "        <dependency id=\"%s\" version=\"%s\" />\n", e(d.ID), e(d.Range))
			}
			b.WriteString("      </group>\n")
		}
		b.WriteString("    </dependencies>\n")
	}
	b.WriteString(s.ExtraNuspecXML)
	b.WriteString("  </metadata>\n</package>\n")
	return b.String()
}

// Build returns the .nupkg bytes.
func (s Spec) Build() []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name string, data []byte) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: fixedTime})
		if err != nil {
			panic(err)
		}
		w.Write(data)
	}
	add(s.ID+".nuspec", []byte(s.Nuspec()))
	n := s.Payload
	if n <= 0 {
		n = 64
	}
	add("lib/netstandard2.0/"+s.ID+".dll", pseudoRandom(n, s.ID+s.Version))
	if s.Readme != nil {
		add("README.md", s.Readme)
	}
	if s.Icon != nil {
		add("icon.png", s.Icon)
	}
	for _, name := range sortedKeys(s.Files) {
		add(name, s.Files[name])
	}
	add("[Content_Types].xml", []byte(`<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="nuspec" ContentType="application/octet" /></Types>`))
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// PNG is a valid 1×1 PNG image, for icons.
var PNG = []byte{
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
	0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
	0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
	0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
}

// pseudoRandom returns n deterministic bytes that do not compress.
func pseudoRandom(n int, seed string) []byte {
	var x uint64 = 1469598103934665603
	for i := 0; i < len(seed); i++ {
		x = (x ^ uint64(seed[i])) * 1099511628211
	}
	out := make([]byte, n)
	for i := range out {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		out[i] = byte(x)
	}
	return out
}

func def(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}
