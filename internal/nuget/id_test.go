package nuget

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateID(t *testing.T) {
	valid := []string{
		"Newtonsoft.Json",
		"a",
		"A",
		"_",
		"1",
		"A_b-c.D",
		"Microsoft.Extensions.DependencyInjection.Abstractions",
		"xunit.runner.visualstudio",
		"System.Runtime.4.3",
		"__init__",
		"a-b-c",
		"a.b-c.d",
		strings.Repeat("a", MaxIDLength),
		strings.Repeat("a.", MaxIDLength/2-1) + "ab",
	}
	for _, id := range valid {
		t.Run("valid/"+short(id), func(t *testing.T) {
			if err := ValidateID(id); err != nil {
				t.Errorf("ValidateID(%q) = %v", id, err)
			}
		})
	}

	invalid := []struct{ id, msg string }{
		{"a..b", "The package ID 'a..b' is invalid: IDs contain ASCII letters, digits, '_', and single '.' or '-' between them."},
		{".a", "is invalid"},
		{"a.", "is invalid"},
		{"-a", "is invalid"},
		{"a-", "is invalid"},
		{"a.-b", "is invalid"},
		{"a b", "is invalid"},
		{" a", "is invalid"},
		{"a/b", "is invalid"},
		{"..", "is invalid"},
		{".", "is invalid"},
		{`a\b`, "is invalid"},
		{"a+b", "is invalid"},
		{"a@b", "is invalid"},
		{"a\x00b", "is invalid"},
		{"Ünïcode", "The package ID 'Ünïcode' is invalid: IDs contain ASCII letters"},
		{"Пакет", "is invalid"},
		{"a\xffb", "is invalid"},
		{"", "The package ID is empty."},
		{strings.Repeat("a", MaxIDLength+1), "is too long: it has 101 characters and IDs have at most 100."},
	}
	for _, tt := range invalid {
		t.Run("invalid/"+short(tt.id), func(t *testing.T) {
			err := ValidateID(tt.id)
			if err == nil {
				t.Fatalf("ValidateID(%q) = nil, want an error", tt.id)
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error %T is not a *ValidationError", err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error = %q, want it to contain %q", err, tt.msg)
			}
		})
	}
}

func TestValidateDependencyID(t *testing.T) {
	tests := []struct {
		id    string
		valid bool
	}{
		{"Newtonsoft.Json", true},
		{"Ünïcode.Paket", true}, // legal for the NuGet client, may exist elsewhere
		{"日本語", true},
		{"a‿b", true}, // connector punctuation is \w in .NET
		{"a..b", false},
		{"a b", false},
		{"", false},
		{strings.Repeat("é", MaxIDLength+1), false},
	}
	for _, tt := range tests {
		t.Run(short(tt.id), func(t *testing.T) {
			if err := validateDependencyID(tt.id); (err == nil) != tt.valid {
				t.Errorf("validateDependencyID(%q) = %v, want valid=%v", tt.id, err, tt.valid)
			}
		})
	}
}

// short names a subtest after a possibly long input.
func short(s string) string {
	if s == "" {
		return "empty"
	}
	if len(s) > 24 {
		return s[:12] + "…" + s[len(s)-6:]
	}
	return s
}
