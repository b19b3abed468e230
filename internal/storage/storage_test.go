package storage

import (
	"errors"
	"strings"
	"testing"
)

func TestValidKey(t *testing.T) {
	tests := []struct {
		key    string
		reason string // "" for a valid key
	}{
		{"a", ""},
		{"packages/x.y/1.0.0-rc.1+b/0a1b/x.y.1.0.0-rc.1+b.nupkg", ""},
		{"A_Z/0-9/.../.x", ""},
		{strings.Repeat("a/", MaxKeyLen/2-1) + "ab", ""},
		{"", "empty key"},
		{"/abs", "leading slash"},
		{"a/", "trailing slash"},
		{"a//b", "segment 2 is empty"},
		{"a/./b", `segment 2 is "."`},
		{"../x", `segment 1 is ".."`},
		{"a b", `has the character ' '`},
		{`a\b`, `has the character '\\'`},
		{"é", `has the character 'é'`},
		{"a\x00", `has the character '\x00'`},
		{strings.Repeat("a/", MaxKeyLen/2) + "a", "1025 bytes, longer than 1024"},
		{strings.Repeat("s", MaxSegmentLen+1), "segment 1 has 256 bytes"},
	}
	for _, tt := range tests {
		err := ValidKey(tt.key)
		if tt.reason == "" {
			if err != nil {
				t.Errorf("ValidKey(%q) = %v; want nil", tt.key, err)
			}
			continue
		}
		if !errors.Is(err, ErrInvalidKey) || !strings.Contains(err.Error(), tt.reason) {
			t.Errorf("ValidKey(%q) = %v; want ErrInvalidKey saying %q", tt.key, err, tt.reason)
		}
	}
}
