package trust

import "testing"

func TestMatchRepoGlob(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"*", "sdk", true},
		{"*", "", false},
		{"sdk-*", "sdk-net", true},
		{"sdk-*", "SDK-Net", true},
		{"sdk-*", "sdk-", true},
		{"sdk-*", "web", false},
		{"*-sdk", "dotnet-sdk", true},
		{"*-sdk", "dotnet-sdk-old", false},
		{"a*b*c", "aXbYc", true},
		{"a*b*c", "aXbY", false},
		{"*", "sub/sdk", false},
		{"sdk", "sdk", true},
		{"sdk", "sdk2", false},
	}
	for _, tc := range tests {
		if got := MatchRepoGlob(tc.pattern, tc.name); got != tc.want {
			t.Errorf("MatchRepoGlob(%q, %q) = %v, want %v", tc.pattern, tc.name, got, tc.want)
		}
	}
}

func TestCheckRepoGlob(t *testing.T) {
	for _, ok := range []string{"*", "sdk-*", "*-sdk", "a*b"} {
		if err := CheckRepoGlob(ok); err != nil {
			t.Errorf("CheckRepoGlob(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"", "**", "a/b*", "sdk?", "[ab]*"} {
		if err := CheckRepoGlob(bad); err == nil {
			t.Errorf("CheckRepoGlob(%q) = nil, want an error", bad)
		}
	}
}
