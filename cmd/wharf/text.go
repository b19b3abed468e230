package main

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"unicode/utf8"

	"github.com/wharf-registry/wharf/internal/registry"
)

// Every text the command line prints that came from people or CI tokens
// goes through cell (tables and sentences) or safeJSON (--json), so a
// newline cannot forge a row and an escape sequence never reaches the
// operator's terminal (see registry.EscapeText).

// cell is s escaped for one cell of a table or a sentence; "-" when empty.
func cell(s string) string {
	if s == "" {
		return "-"
	}
	return registry.EscapeText(s)
}

// dash is s, or "-" when empty, escaped like cell.
func dash(s string) string { return cell(s) }

// safeJSON writes encoded JSON (where encoding/json left them raw) with
// the unsafe runes written as \u escapes: they can only be inside strings,
// so the document means the same.
func safeJSON(w io.Writer, doc []byte) error {
	var b bytes.Buffer
	for i := 0; i < len(doc); {
		r, n := utf8.DecodeRune(doc[i:])
		if registry.UnsafeRune(r) && r != '\n' {
			fmt.Fprintf(&b, `\u%04x`, r)
		} else {
			b.Write(doc[i : i+n])
		}
		i += n
	}
	_, err := w.Write(b.Bytes())
	return err
}

// escapeLogAttr escapes the text of a log attribute (strings and errors,
// which may quote a token's claims) for the JSON log handler.
func escapeLogAttr(_ []string, a slog.Attr) slog.Attr {
	switch a.Value.Kind() {
	case slog.KindString:
		a.Value = slog.StringValue(registry.EscapeText(a.Value.String()))
	case slog.KindAny:
		if err, ok := a.Value.Any().(error); ok {
			a.Value = slog.StringValue(registry.EscapeText(err.Error()))
		}
	}
	return a
}
