package main

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"unicode"

	"github.com/wharf-registry/wharf/internal/config"
)

// TestLogsEscapeControls: text that came from a token or a person, logged
// as a string or inside an error, leaves neither log format with a raw
// control character, a forged line or a text-direction override.
func TestLogsEscapeControls(t *testing.T) {
	const hostile = "contoso/sdk\ntime=2026-01-01 level=INFO msg=forged \x1b[31m\u009b\u202eevil"
	for _, format := range []string{"json", "text"} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			a := &app{cfg: config.Config{LogFormat: format, LogLevel: "info"}}
			log := slog.New(a.logHandler(&buf))
			log.Warn("token exchanges rate limited "+hostile, "repository", hostile, "err", errors.New("no policy for "+hostile))
			out := buf.String()
			if strings.Count(out, "\n") != 1 {
				t.Errorf("one record made %d lines:\n%s", strings.Count(out, "\n"), out)
			}
			for i, r := range strings.TrimSuffix(out, "\n") {
				if unicode.IsControl(r) || r == '\u202e' {
					t.Errorf("raw %U at byte %d of %q", r, i, out)
					break
				}
			}
		})
	}
}
