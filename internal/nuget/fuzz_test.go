package nuget

import (
	"archive/zip"
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
)

// requireValidationError fails unless err is a *ValidationError with a
// one-line message.
func requireValidationError(t *testing.T, err error) {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %T (%v) is not a *ValidationError", err, err)
	}
	if ve.Msg == "" || strings.ContainsAny(ve.Msg, "\r\n") {
		t.Fatalf("bad message %q", ve.Msg)
	}
}

// fuzzReference versions are compared with every fuzzed version.
var fuzzReference = []string{"0.0.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-0", "1.0.0--1", "1.0.0", "1.0.0.1", "2147483647.0.0"}

func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{"1.0", "01.02.03", "1.0.0-Beta.1+sha", "1.2.3.4", "1.0.7+r3456", "2147483648.0.0",
		"1.0.0-01", "1.0.0--0", "1.0.0-2147483648", " 1.0 ", "1.0.0+a..b", "-1.0", "1.0.0.0.0"} {
		f.Add(s)
	}
	refs := make([]Version, len(fuzzReference))
	for i, s := range fuzzReference {
		refs[i], _ = ParseVersion(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseVersion(s)
		if err != nil {
			requireValidationError(t, err)
			return
		}
		for _, text := range []string{v.String(), v.Full(), v.Lower()} {
			again, err := ParseVersion(text)
			if err != nil {
				t.Fatalf("%q parsed, but its form %q does not: %v", s, text, err)
			}
			if !again.Equal(v) {
				t.Fatalf("%q -> %q -> %v: not equal", s, text, again)
			}
		}
		if full, _ := ParseVersion(v.Full()); full.Metadata != v.Metadata || full.String() != v.String() {
			t.Fatalf("Full() %q does not round-trip", v.Full())
		}
		if strings.Contains(v.String(), "+") || v.IsSemVer2() != (len(v.Release) > 1 || v.Metadata != "") {
			t.Fatalf("bad String/IsSemVer2 for %q", s)
		}
		for i, r := range refs {
			c := v.Compare(r)
			if c != -r.Compare(v) || c < -1 || c > 1 {
				t.Fatalf("Compare(%q, %q) = %d, reverse %d", s, fuzzReference[i], c, r.Compare(v))
			}
			if (c == 0) != strings.EqualFold(v.String(), r.String()) {
				t.Fatalf("Compare(%q, %q) = %d disagrees with the normalized strings", s, fuzzReference[i], c)
			}
		}
	})
}

func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"1.0", "[1.0,2.0)", "(,1.0]", "[1.0]", "(1.0,)", "(1.0)", "[2.0,1.0]", "(, )",
		"[ , ]", "1.*", "(1.0, 1.0)", "[1.0-beta+x, 2)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRange(s)
		if err != nil {
			requireValidationError(t, err)
			return
		}
		again, err := ParseRange(r.String())
		if err != nil {
			t.Fatalf("%q parsed, but its String %q does not: %v", s, r.String(), err)
		}
		if again.String() != r.String() || !sameBound(r.Min, again.Min) || !sameBound(r.Max, again.Max) {
			t.Fatalf("%q -> %q -> %q", s, r.String(), again.String())
		}
		if r.Min != nil && r.Contains(*r.Min) != r.MinInclusive {
			t.Fatalf("%q: Contains(min) = %v", s, r.Contains(*r.Min))
		}
		if r.Max != nil && r.Contains(*r.Max) != r.MaxInclusive {
			t.Fatalf("%q: Contains(max) = %v", s, r.Contains(*r.Max))
		}
	})
}

func sameBound(a, b *Version) bool {
	return a == nil && b == nil || a != nil && b != nil && a.Equal(*b)
}

func FuzzParseManifest(f *testing.F) {
	f.Add(packNuspec)
	f.Add(nuspecWith(`<dependencies><dependency id="A" version="[1.0]"/></dependencies>`))
	f.Add(nuspecWith(`<license type="expression">(MIT OR Apache-2.0) AND BSD-3-Clause</license>`))
	f.Add(`<!DOCTYPE x [<!ENTITY a "b">]><package/>`)
	f.Add(string(utf16Bytes(nuspecWith(""), false)))
	f.Fuzz(func(t *testing.T, doc string) {
		m, err := ParseManifest(strings.NewReader(doc))
		if err != nil {
			requireValidationError(t, err)
			return
		}
		if err := ValidateID(m.ID); err != nil {
			t.Fatalf("accepted ID %q: %v", m.ID, err)
		}
		if v, err := ParseVersion(m.OriginalVersion); err != nil || !v.Equal(m.Version) {
			t.Fatalf("OriginalVersion %q does not match Version %v", m.OriginalVersion, m.Version)
		}
		if m.Description == "" || m.Authors == "" {
			t.Fatalf("required field empty: %+v", m)
		}
		for _, g := range m.DependencyGroups {
			for _, d := range g.Dependencies {
				if d.Range == "" {
					continue
				}
				if r, err := ParseRange(d.Range); err != nil || r.String() != d.Range {
					t.Fatalf("dependency range %q is not normalized: %v", d.Range, err)
				}
			}
		}
	})
}

func FuzzOpenPackage(f *testing.F) {
	f.Add(nugettest.Spec{ID: "Seed.One", Version: "1.0.0", Readme: []byte("# r"), Icon: nugettest.PNG}.Build())
	f.Add(nugettest.Spec{ID: "Seed.Two", Version: "2.0.0-rc.1", License: "MIT",
		Dependencies: map[string][]nugettest.Dep{"net8.0": {{ID: "A", Range: "[1.0, 2.0)"}}}}.Build())
	f.Add(zipOf(f, map[string]string{"a.nuspec": minimalNuspec(`<license type="file">LICENSE</license>`), "LICENSE": "MIT"}))
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := OpenPackage(bytes.NewReader(data), int64(len(data)), Limits{MaxEntries: 1000, MaxUncompressedBytes: 1 << 24})
		if err != nil {
			requireValidationError(t, err)
			return
		}
		if p.Manifest == nil || len(p.Nuspec) == 0 || p.NuspecName == "" {
			t.Fatalf("incomplete package: %+v", p)
		}
		if (p.Manifest.Readme != "") != (p.Readme != nil) || (p.Manifest.Icon != "") != (p.Icon != nil) {
			t.Fatalf("embedded files do not match the manifest: %+v", p)
		}
		if p.Icon != nil && p.IconContentType != "image/png" && p.IconContentType != "image/jpeg" {
			t.Fatalf("icon content type %q", p.IconContentType)
		}
	})
}

// FuzzOpenPackageEntries builds well-formed archives from fuzzed entry names
// and nuspec metadata, reaching the name checks and embedded-file lookups
// that byte-level mutations of a zip rarely get past.
func FuzzOpenPackageEntries(f *testing.F) {
	f.Add("a.nuspec", "README.md", `<readme>README.md</readme>`, "# r")
	f.Add("A.NUSPEC", "img\\icon.png", `<icon>img/icon.png</icon>`, string(nugettest.PNG))
	f.Add("x.nuspec", "%2e%2e/evil", `<license type="file">LICENSE</license>`, "MIT")
	f.Add("sub/x.nuspec", "x.nuspec", ``, "")
	f.Fuzz(func(t *testing.T, nuspecName, otherName, extra, content string) {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, e := range []zipEntry{{nuspecName, []byte(minimalNuspec(extra))}, {otherName, []byte(content)}} {
			w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Deflate})
			if err != nil {
				return
			}
			w.Write(e.data)
		}
		if zw.Close() != nil {
			return
		}
		p, err := OpenPackage(bytes.NewReader(buf.Bytes()), int64(buf.Len()), DefaultLimits())
		if err != nil {
			requireValidationError(t, err)
			return
		}
		for _, name := range []string{nuspecName, otherName} {
			if checkEntryName(name) != nil {
				t.Fatalf("accepted a package with the entry %q", name)
			}
		}
		if strings.Contains(packagePath(p.NuspecName), "/") {
			t.Fatalf("nuspec %q is not at the root", p.NuspecName)
		}
	})
}
