package nuget

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestValidationErrorMatching(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		tooLarge bool
	}{
		{"invalid", invalidf("The thing is wrong."), false},
		{"too large", tooLargef("The thing is too big."), true},
		{"wrapped too large", fmt.Errorf("push: %w", tooLargef("The thing is too big.")), true},
		{"literal", &ValidationError{Msg: "Made elsewhere."}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ve *ValidationError
			if !errors.As(tt.err, &ve) || ve.Msg == "" {
				t.Errorf("errors.As(%v) failed", tt.err)
			}
			if errors.Is(tt.err, ErrTooLarge) != tt.tooLarge {
				t.Errorf("errors.Is(ErrTooLarge) = %v, want %v", !tt.tooLarge, tt.tooLarge)
			}
		})
	}
}

func TestDisplay(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"a\nb\r\tc", "a\uFFFDb\uFFFD\uFFFDc"},
		{"bad\xffutf8", "bad\uFFFDutf8"},
		{"keep \uFFFD", "keep \uFFFD"},
		{"Ünïcode ✓", "Ünïcode ✓"},
		{strings.Repeat("x", maxShown+5), strings.Repeat("x", maxShown) + "…"},
	}
	for _, tt := range tests {
		t.Run(short(tt.in), func(t *testing.T) {
			if got := display(tt.in); got != tt.want {
				t.Errorf("display(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSizeText(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{1, "1 byte"}, {100, "100 bytes"}, {1024, "1 KiB"}, {1 << 20, "1 MiB"}, {2 << 30, "2 GiB"}, {1<<20 + 1, "1048577 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := sizeText(tt.n); got != tt.want {
				t.Errorf("sizeText(%d) = %q", tt.n, got)
			}
		})
	}
}

func TestLimitsDefaults(t *testing.T) {
	d := DefaultLimits()
	if d.MaxEntries != 65534 || d.MaxReadmeBytes != 1<<20 || d.MaxIconBytes != 1<<20 || d.MaxLicenseBytes != 1<<20 ||
		d.MaxNuspecBytes != DefaultMaxNuspecBytes || d.MaxUncompressedBytes != 2<<30 {
		t.Errorf("DefaultLimits = %+v", d)
	}
	if got := (Limits{}).withDefaults(); got != d {
		t.Errorf("zero Limits = %+v, want the defaults", got)
	}
	got := (Limits{MaxEntries: 7, MaxIconBytes: -1, MaxReadmeBytes: 9}).withDefaults()
	if got.MaxEntries != 7 || got.MaxReadmeBytes != 9 || got.MaxIconBytes != d.MaxIconBytes || got.MaxLicenseBytes != d.MaxLicenseBytes {
		t.Errorf("partial Limits = %+v", got)
	}
}

func TestDependencyGroupJSON(t *testing.T) {
	groups := []DependencyGroup{
		{Dependencies: []Dependency{{ID: "A"}, {ID: "B", Range: "[1.0.0, )"}}},
		{TargetFramework: "net8.0"},
	}
	b, err := json.Marshal(groups)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"dependencies":[{"id":"A"},{"id":"B","range":"[1.0.0, )"}]},{"targetFramework":"net8.0"}]`
	if string(b) != want {
		t.Errorf("JSON = %s\nwant   %s", b, want)
	}
}
