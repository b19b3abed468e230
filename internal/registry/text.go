package registry

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text people write (key descriptions, policy names, environments) and
// text from CI tokens' claims ends up in pages, logs and the operator's
// terminal. A newline there forges a row of `wharf audit`, an escape
// sequence drives the terminal, and a text-direction override makes text
// read other than it is. So the fields people write refuse such
// characters (checkText), and every surface that shows text escapes them
// (EscapeText), since claims and older rows were never checked.

// UnsafeRune reports whether r changes how the text around it is shown:
// C0 and C1 controls (newline and tab included), DEL, the line and
// paragraph separators, and the bidirectional marks, embeddings,
// overrides and isolates (U+061C, U+200E, U+200F, U+202A–U+202E,
// U+2066–U+2069).
func UnsafeRune(r rune) bool {
	switch {
	case unicode.IsControl(r):
		return true
	case r == 0x061C, r == 0x200E, r == 0x200F, r == 0x2028, r == 0x2029:
		return true
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// EscapeText returns s with every unsafe rune (see UnsafeRune) and every
// byte that is not UTF-8 written as a Go escape (\n, \t, \x1b, \u202e), so
// it shows on one line, as it is, on any terminal or page.
func EscapeText(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case UnsafeRune(r) && r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		case UnsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func needsEscape(s string) bool {
	if !utf8.ValidString(s) {
		return true
	}
	for _, r := range s {
		if UnsafeRune(r) {
			return true
		}
	}
	return false
}

// checkText refuses a field people write that is not UTF-8 or holds an
// unsafe rune, with a sentence naming the field and the character.
func checkText(field, v string) error {
	if !utf8.ValidString(v) {
		return fieldErrorf(ErrInvalid, field, "The %s is not valid UTF-8 text. Type it again.", field)
	}
	for _, r := range v {
		if UnsafeRune(r) {
			return fieldErrorf(ErrInvalid, field, "The %s contains the invisible character %U (a line break, tab, terminal control or text-direction mark), which could disguise it in logs and pages. Remove it and try again.", field, r)
		}
	}
	return nil
}

// checkTexts is checkText for several fields, as field/value pairs.
func checkTexts(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if err := checkText(pairs[i], pairs[i+1]); err != nil {
			return err
		}
	}
	return nil
}
