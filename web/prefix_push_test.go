package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
)

// TestPushUnderReservedPrefixHTTP: through the real server, a push of a
// new ID under another account's reserved prefix is 403 with the sentence
// in the reason phrase and X-NuGet-Warning (what nuget.exe prints); the
// prefix's owner pushes.
func TestPushUnderReservedPrefixHTTP(t *testing.T) {
	f := newFeed(t)
	bob := f.userKey("bob")
	if _, err := f.reg.ReservePrefix(context.Background(), "Bob.*", "bob"); err != nil {
		t.Fatal(err)
	}
	want := "'bob.sdk' falls under the prefix 'Bob.*', which is reserved for bob: push with a key that acts for 'bob', or choose another ID."
	res := f.push(f.key, nugettest.Spec{ID: "bob.sdk", Version: "1.0.0"}.Build())
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("status %s, want 403 (%s)", res.Status, res.Header.Get("X-NuGet-Warning"))
	}
	if w := res.Header.Get("X-NuGet-Warning"); !strings.Contains(w, want) {
		t.Errorf("X-NuGet-Warning %q, want %q", w, want)
	}
	if !strings.Contains(res.Status, "falls under the prefix 'Bob.*'") {
		t.Errorf("reason phrase %q does not say why", res.Status)
	}
	if res := f.push(bob, nugettest.Spec{ID: "Bob.Sdk", Version: "1.0.0"}.Build()); res.StatusCode != http.StatusCreated {
		t.Errorf("the prefix's owner pushing: %s (%s)", res.Status, res.Header.Get("X-NuGet-Warning"))
	}
}
