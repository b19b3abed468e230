package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/registry"
)

// TestJSONBodyErrors: the token exchange refuses each kind of bad body
// with the right status and a sentence that says what is wrong and what to
// send, and mints nothing. A body over the limit used to be cut short and
// reported as "not valid JSON"; it now says it is too large.
func TestJSONBodyErrors(t *testing.T) {
	f := newTPFeed(t, 0)
	f.policy(registry.NewPolicy{User: "alice", Repository: "contoso/sdk", Workflow: "release.yml"})
	token := f.iss.Token(f.claims())
	tests := []struct {
		name, body string
		status     int
		says       string
	}{
		{"empty", "", http.StatusBadRequest, `The body is empty: send {"username"`},
		{"not JSON", "username=alice", http.StatusBadRequest, `The body is not valid JSON: send {"username"`},
		{"cut short", `{"username": "ali`, http.StatusBadRequest, "The body is not valid JSON"},
		{"two objects", `{"username":"alice","tokenType":"ApiKey"} {}`, http.StatusBadRequest, "more after its JSON object"},
		{"wrong type", `{"username": 7, "tokenType": "ApiKey"}`, http.StatusBadRequest, `field "username" has the wrong type (a JSON number, where string is expected)`},
		{"too large", `{"username": "` + strings.Repeat("a", 20<<10) + `", "tokenType": "ApiKey"}`, http.StatusRequestEntityTooLarge, "The body is larger than 16 KB."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, f.urls.Token(), strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("User-Agent", "nuget/login-action")
			res := f.do(req)
			var out struct{ Error, APIKey string }
			json.NewDecoder(res.Body).Decode(&out)
			if res.StatusCode != tc.status || !strings.Contains(out.Error, tc.says) || out.APIKey != "" {
				t.Errorf("%s: %s %q, want %d saying %q", tc.name, res.Status, out.Error, tc.status, tc.says)
			}
		})
	}
	// The token was never used up by a refused body: it still trades.
	if res, out := f.exchange(token, "alice"); res.StatusCode != http.StatusOK {
		t.Errorf("the token after the refused bodies: %s %v", res.Status, out)
	}
}
