package nuget

import (
	"archive/zip"
	"bytes"
	"path"
	"strings"
	"testing"
)

// fuzzLimits keeps fuzzed archives cheap: at most 1000 entries and 16 MiB
// declared in all, the other limits at their defaults.
var fuzzLimits = Limits{MaxEntries: 1000, MaxUncompressedBytes: 16 << 20}

func FuzzOpenPackage(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := OpenPackage(bytes.NewReader(data), int64(len(data)), fuzzLimits)
		if err != nil {
			requireValidationError(t, err)
			return
		}
		checkPackage(t, p, fuzzLimits.withDefaults())
		// Every entry of an accepted archive stays inside the package, and
		// no two are the same file on a case-insensitive file system.
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil && err != zip.ErrInsecurePath {
			t.Fatalf("accepted an archive archive/zip cannot open: %v", err)
		}
		seen := map[string]bool{}
		for _, e := range zr.File {
			if checkEntryName(e.Name) != nil || seen[canonicalName(e.Name)] {
				t.Fatalf("accepted a package with the entry %q", e.Name)
			}
			seen[canonicalName(e.Name)] = true
		}
	})
}

// checkPackage asserts what an opened package guarantees: one root nuspec
// that parses again to the same manifest, and the embedded files the
// manifest declares, within their limits.
func checkPackage(t *testing.T, p *Package, lim Limits) {
	t.Helper()
	if p.Manifest == nil || len(p.Nuspec) == 0 || p.NuspecName == "" {
		t.Fatalf("incomplete package: %+v", p)
	}
	if name := packagePath(p.NuspecName); strings.Contains(name, "/") || !strings.EqualFold(path.Ext(name), ".nuspec") {
		t.Fatalf("nuspec %q is not a .nuspec at the root", p.NuspecName)
	}
	if name, ok := clientName(p.NuspecName); !ok || !isManifestName(name) {
		t.Fatalf("nuspec %q is not the manifest NuGet clients read", p.NuspecName)
	}
	checkManifest(t, p.Manifest)
	again, err := ParseManifest(bytes.NewReader(p.Nuspec))
	if err != nil || again.ID != p.Manifest.ID || !again.Version.Equal(p.Manifest.Version) {
		t.Fatalf("the stored nuspec does not parse to the same identity: %v", err)
	}
	if (p.Manifest.Readme != "") != (p.Readme != nil) || (p.Manifest.Icon != "") != (p.Icon != nil) {
		t.Fatalf("embedded files do not match the manifest: %+v", p)
	}
	if (p.Manifest.License != nil && p.Manifest.License.Type == "file") != (p.LicenseFile != nil) {
		t.Fatalf("license file does not match the manifest: %+v", p.Manifest.License)
	}
	if p.Icon != nil && p.IconContentType != "image/png" && p.IconContentType != "image/jpeg" {
		t.Fatalf("icon content type %q", p.IconContentType)
	}
	if int64(len(p.Nuspec)) > lim.MaxNuspecBytes || int64(len(p.Readme)) > lim.MaxReadmeBytes ||
		int64(len(p.Icon)) > lim.MaxIconBytes || int64(len(p.LicenseFile)) > lim.MaxLicenseBytes {
		t.Fatalf("an embedded file is over its limit: nuspec %d, readme %d, icon %d, license %d bytes",
			len(p.Nuspec), len(p.Readme), len(p.Icon), len(p.LicenseFile))
	}
}

// FuzzOpenPackageEntries builds well-formed archives from fuzzed entry names
// and nuspec metadata, reaching the name checks and embedded-file lookups
// that byte-level mutations of a zip rarely get past. Entries are stored,
// not deflated: compressing every input cuts the executions tenfold, and
// FuzzOpenPackage's seeds are deflated.
func FuzzOpenPackageEntries(f *testing.F) {
	f.Fuzz(func(t *testing.T, nuspecName, otherName, extra, content string) {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, e := range []zipEntry{{nuspecName, []byte(minimalNuspec(extra))}, {otherName, []byte(content)}} {
			w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Store})
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
		if canonicalName(nuspecName) == canonicalName(otherName) {
			t.Fatalf("accepted the entries %q and %q, the same file", nuspecName, otherName)
		}
		checkPackage(t, p, DefaultLimits())
	})
}
