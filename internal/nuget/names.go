package nuget

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// This file reads zip entry names as NuGet clients read them. NuGet.Client
// (ZipArchiveExtensions.GetFiles) passes every entry name that holds a '%'
// through Uri.UnescapeDataString, and takes as the manifest the one decoded
// name without '/' or '\' that ends in ".nuspec", compared ignoring case
// (PackageReaderBase.GetNuspecFile, PackageHelper.IsManifest). Wharf picks
// the manifest by the same rule, and refuses a package whose names mean
// something different as written and as decoded, so that every reader of a
// package sees the same manifest and the same files.

// clientName decodes a raw entry name as Uri.UnescapeDataString does: each
// '%' followed by two hex digits is one byte; any other '%' is kept as
// written; a name without '%' is returned unchanged. It reports false when
// the decoded bytes are not UTF-8, which .NET versions turn into different
// names.
func clientName(raw string) (string, bool) {
	if !strings.Contains(raw, "%") {
		return raw, true
	}
	b := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		if raw[i] == '%' && i+2 < len(raw) && isHex(raw[i+1]) && isHex(raw[i+2]) {
			b = append(b, unhex(raw[i+1])<<4|unhex(raw[i+2]))
			i += 2
			continue
		}
		b = append(b, raw[i])
	}
	return string(b), utf8.Valid(b) || !utf8.ValidString(raw)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// isManifestName is PackageHelper.IsManifest: a name with no '/' or '\'
// that ends in ".nuspec", ASCII letters compared ignoring case.
func isManifestName(name string) bool {
	const ext = ".nuspec"
	return !strings.ContainsAny(name, `/\`) && len(name) >= len(ext) && strings.EqualFold(name[len(name)-len(ext):], ext)
}

// looksLikeManifest is isManifestName with full Unicode case folding, under
// which "x.nuſpec" ends in ".nuspec" too: a reader may count it either way.
func looksLikeManifest(name string) bool {
	return !strings.ContainsAny(name, `/\`) && strings.HasSuffix(foldName(name), ".nuspec")
}

// foldName is the key names are compared by as file systems that ignore
// case and Unicode normalization (macOS, Windows) compare them: forward
// slashes, canonical composition, Unicode case folding.
func foldName(name string) string {
	return norm.NFC.String(cases.Fold().String(norm.NFD.String(packagePath(name))))
}

// canonicalName is the key entries are compared by: the name NuGet clients
// read (percent-decoded), folded by foldName.
func canonicalName(raw string) string {
	name, _ := clientName(raw)
	return foldName(name)
}

// checkEntryName refuses a name that would be written outside the package
// directory when extracted, as written or as clients decode it; whose
// escapes hide a folder separator; or that is the manifest for one reader
// and not for another.
func checkEntryName(raw string) error {
	decoded, ok := clientName(raw)
	if !ok {
		return invalidf("The package contains the entry '%s', whose percent escapes do not decode to UTF-8 text, so NuGet clients read its name differently; rename it.", display(raw))
	}
	for _, n := range []string{packagePath(raw), packagePath(decoded)} {
		if err := checkPathForm(raw, n); err != nil {
			return err
		}
	}
	seps := func(s string) int { return strings.Count(s, "/") + strings.Count(s, `\`) }
	if seps(raw) != seps(decoded) {
		return invalidf("The package contains the entry '%s', which NuGet clients read as '%s': its name has an escaped '/' or '\\' (%%2F, %%5C), which clients take for a folder separator. Rename it without escaped separators.", display(raw), display(decoded))
	}
	if isManifestName(raw) != isManifestName(decoded) {
		return invalidf("The package contains the entry '%s', which NuGet clients read as '%s'; one of those names is a .nuspec at the package root and the other is not, so Wharf and clients would read different manifests. Remove the percent escapes from its name.", display(raw), display(decoded))
	}
	for _, n := range []string{raw, decoded} {
		if looksLikeManifest(n) != isManifestName(n) {
			return invalidf("The package contains the entry '%s', which some readers take for a .nuspec and others do not (its name ends in a letter that only Unicode case folding turns into '.nuspec'). Rename it.", display(raw))
		}
	}
	return nil
}

// checkPathForm checks one form n of the entry name raw.
func checkPathForm(raw, n string) error {
	switch {
	case n == "":
		return invalidf("The package contains an entry with an empty name.")
	case strings.ContainsRune(n, 0):
		return invalidf("The package contains the entry '%s', whose name has a NUL character.", display(raw))
	case n[0] == '/' || len(n) >= 2 && n[1] == ':' && (n[0]|0x20 >= 'a' && n[0]|0x20 <= 'z'):
		return invalidf("The package contains the entry '%s', an absolute path; entry names must be relative to the package root.", display(raw))
	}
	for _, seg := range strings.Split(n, "/") {
		if seg == ".." {
			return invalidf("The package contains the entry '%s', which points outside the package; entry names may not contain '..'.", display(raw))
		}
	}
	return nil
}

// duplicateEntry explains two entries that are the same file to a client
// or on an extracting file system.
func duplicateEntry(first, second string) error {
	a, _ := clientName(first)
	b, _ := clientName(second)
	if strings.ToLower(packagePath(a)) == strings.ToLower(packagePath(b)) {
		return invalidf("The package contains the file '%s' more than once (names are compared case-insensitively); a .nupkg may not have duplicate entries.", display(second))
	}
	return invalidf("The package contains the entries '%s' and '%s', whose names differ only in Unicode normalization or case; they would be the same file on macOS and Windows. Rename one of them.", display(first), display(second))
}
