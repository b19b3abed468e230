package nuget

import (
	"unicode"
	"unicode/utf8"
)

// MaxIDLength is the longest package ID NuGet accepts, in characters
// (NuGet.Packaging's PackageIdValidator.MaxPackageIdLength).
const MaxIDLength = 100

// ValidateID checks a package ID for a new package: 1 to MaxIDLength
// characters matching ^\w+([.-]\w+)*$ where \w is restricted to ASCII
// letters, digits and '_' (nuget.org requires ASCII for new IDs, although
// the client's own pattern allows any Unicode letter). IDs compare
// case-insensitively; ValidateID does not change the case.
//
// Errors: *ValidationError, e.g. "The package ID 'a..b' is invalid: IDs
// contain ASCII letters, digits, '_', and single '.' or '-' between them."
func ValidateID(id string) error {
	return checkID(id, "package ID", "IDs", isASCIIWord)
}

// ValidateDependencyID checks an ID that may belong to a package on
// another feed (a dependency's, or a mirrored package's): NuGet.Client's
// own rule, where any Unicode letter is a word character. Errors:
// *ValidationError.
func ValidateDependencyID(id string) error { return validateDependencyID(id) }

// validateDependencyID checks the ID a dependency names. Such an ID may
// belong to a package on another feed, so it follows NuGet.Client's own
// rule, where \w is any Unicode letter, decimal digit, non-spacing mark or
// connector punctuation (.NET's definition), instead of the ASCII rule for
// new IDs.
func validateDependencyID(id string) error {
	return checkID(id, "dependency ID", "IDs", isUnicodeWord)
}

// checkID applies the ID pattern with the given notion of a word character;
// what and plural name the checked thing in messages ("package ID", "IDs").
func checkID(id, what, plural string, isWord func(rune) bool) error {
	if id == "" {
		return invalidf("The %s is empty.", what)
	}
	if n := textLength(id); n > MaxIDLength {
		return invalidf("The %s '%s' is too long: it has %d characters and %s have at most %d.", what, display(id), n, plural, MaxIDLength)
	}
	afterSep := true // at the start, as after a separator
	valid := utf8.ValidString(id)
	for _, r := range id {
		if !valid {
			break
		}
		switch {
		case isWord(r):
			afterSep = false
		case (r == '.' || r == '-') && !afterSep:
			afterSep = true
		default:
			valid = false
		}
	}
	if !valid || afterSep {
		letters := "letters"
		if !isWord('Ä') {
			letters = "ASCII letters"
		}
		return invalidf("The %s '%s' is invalid: %s contain %s, digits, '_', and single '.' or '-' between them.", what, display(id), plural, letters)
	}
	return nil
}

func isASCIIWord(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_'
}

func isUnicodeWord(r rune) bool {
	return unicode.IsLetter(r) || unicode.Is(unicode.Nd, r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Pc, r)
}
