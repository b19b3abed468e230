package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust"
)

// TestReadOnlyPolicyKeysInReadMatrix adds the read-only policy keys to
// the read rows of the authorisation matrix: every read route, in both
// URL families, aimed at the private package. The key of a read-only
// policy of a reader of the feed (alice) reads it; the key of another
// owner's read-only policy (mallory) gets exactly what an absent package
// or feed gets.
func TestReadOnlyPolicyKeysInReadMatrix(t *testing.T) {
	t.Parallel()
	w := readWorld(t)
	ctx := context.Background()
	for cred, who := range map[string]string{"alicesROKey": alice, "mallorysROKey": mallory} {
		if _, err := w.reg.CreatePolicy(ctx, registry.NewPolicy{User: who, Provider: trust.GitHub, Repository: who + "/ci", ReadOnly: true}); err != nil {
			t.Fatal(err)
		}
		res, out := w.exchange(w.ciToken(who+"/ci"), who)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("exchange for %s's read-only policy: %s %v", who, res.Status, out)
		}
		w.secrets[cred] = out["apiKey"]
	}
	creds := []readCred{
		{id: "alicesROKey", about: "a read-only policy key of a publisher of the feed", basic: "alicesROKey", access: "yes"},
		{id: "mallorysROKey", about: "a read-only policy key of another owner", header: "mallorysROKey"},
	}
	var permitted, refused int
	for _, prefix := range []string{"", "/feeds/secret"} {
		for _, r := range readRoutes {
			for _, c := range creds {
				path := prefix + r.path
				t.Run(c.about+" GET "+path, func(t *testing.T) {
					p := w.sendRead(t, c, path)
					ok := r.okCode
					if ok == 0 {
						ok = http.StatusOK
					}
					if c.access == "yes" {
						permitted++
						if p.res.StatusCode != ok || r.listing && !r.bulk && !strings.Contains(p.body, "Secret.Lib") && !strings.Contains(p.body, "1.0.0") {
							t.Errorf("%s, want %d with the private package: %q", p.res.Status, ok, p.why())
						}
						return
					}
					if r.pattern == "/v3/index.json" && prefix == "" {
						return // the union's index answers everyone
					}
					refused++
					a := w.sendRead(t, c, absentPath(path))
					if p.res.StatusCode != a.res.StatusCode || absentPath(p.body) != a.body {
						t.Errorf("the private package answers %s %q; an absent one %s %q: they must not differ", p.res.Status, p.body, a.res.Status, a.body)
					}
					if strings.Contains(p.body, secretMarker) {
						t.Errorf("the answer shows the private package's description: %s", p.body)
					}
				})
			}
		}
	}
	if permitted == 0 || refused == 0 {
		t.Errorf("%d permitted reads, %d refused: both kinds of row must run", permitted, refused)
	}
}
