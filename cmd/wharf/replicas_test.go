package main

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/testenv"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// TestTwoReplicas runs two "wharf serve" processes on one PostgreSQL
// database and one S3 bucket, as behind a load balancer: what one
// does, the other serves at once, and a token or a rate limit budget is
// spent across both.
func TestTwoReplicas(t *testing.T) {
	iss := trusttest.NewIssuer(t)
	audience := "https://wharf.replicas.test"
	env := append(testenv.ServerEnv(t, testenv.PostgresS3), "WHARF_TRUSTED_ISSUERS=github="+iss.URL,
		"WHARF_OIDC_AUDIENCE="+audience, "WHARF_EXCHANGES_PER_MINUTE=4")
	for i, kv := range env { // downloads redirect to presigned URLs on the bucket
		if strings.HasPrefix(kv, "WHARF_STORAGE_URL=") {
			env[i] = kv + "&presign=5m"
		}
	}
	a, b := startWharfIn(t, "", env...), startWharfIn(t, "", env...)
	// Exchanges are counted in clock-aligned minutes: keep the ones below
	// inside one.
	if s := time.Now().Second(); s >= 57 {
		time.Sleep(time.Duration(61-s) * time.Second)
	}
	key := a.apiKey(t, "alice")

	t.Run("push on A restores from B at once", func(t *testing.T) {
		for _, v := range []string{"1.0.0", "1.1.0"} {
			pushed := a.mustPushHTTP(t, key, nugettest.Spec{ID: "Replica.Pkg", Version: v})
			if got := b.versions(t, "Replica.Pkg"); !slices.Contains(got, v) {
				t.Errorf("right after the push of %s on A, B lists versions %q", v, got)
			}
			if got := b.nupkg(t, "Replica.Pkg", v); string(got) != string(pushed) {
				t.Errorf("right after the push of %s on A, B serves %d bytes, want the %d pushed", v, len(got), len(pushed))
			}
		}
		noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := noFollow.Get(b.base + "/v3/package/replica.pkg/1.0.0/replica.pkg.1.0.0.nupkg")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if loc := res.Header.Get("Location"); res.StatusCode != http.StatusFound || !strings.Contains(loc, "X-Amz-Signature=") {
			t.Errorf("with presign set, a download answers %s to %q, want 302 to a presigned bucket URL", res.Status, loc)
		}
	})

	t.Run("a token exchanged on A is refused on B", func(t *testing.T) {
		a.wharfOK(t, "policy", "add", "--user", "alice", "--provider", "github", "--repository", "contoso/sdk", "--workflow", "release.yml")
		claims := trusttest.GitHubClaims(iss.URL, audience, time.Now())
		claims["workflow_ref"] = "contoso/sdk/.github/workflows/release.yml@refs/tags/v1.0.0"
		claims["job_workflow_ref"] = claims["workflow_ref"]
		token := iss.Token(claims)
		if status, out := a.exchangeHTTP(t, token, "alice"); status != http.StatusOK {
			t.Fatalf("exchange on A: %d %v", status, out)
		}
		status, out := b.exchangeHTTP(t, token, "alice")
		if status != http.StatusUnauthorized || !strings.Contains(out["error"], "already been used") {
			t.Errorf("the same token replayed on B: %d %v, want 401 already used", status, out)
		}
	})

	t.Run("unlist on B hides from search on A", func(t *testing.T) {
		if status, text := b.changeListing(t, http.MethodDelete, "Replica.Pkg", "1.1.0", key); status != http.StatusNoContent {
			t.Fatalf("unlist on B: %s", text)
		}
		hits := a.searchHTTP(t, "Replica", false)
		if len(hits) != 1 || hits[0].Version != "1.0.0" {
			t.Errorf("search on A right after B unlisted 1.1.0: %+v, want Replica.Pkg at 1.0.0", hits)
		}
	})

	t.Run("the exchange budget is shared", func(t *testing.T) {
		// Two exchanges above came from this address; with 4 a minute
		// per address, two more pass (whatever their verdict) and the
		// fifth is refused on either replica.
		for i, r := range []*e2e{a, b} {
			if status, out := r.exchangeHTTP(t, "junk", "alice"); status == http.StatusTooManyRequests {
				t.Fatalf("exchange %d of 4 was rate limited: %v", i+3, out)
			}
		}
		status, out := a.exchangeHTTP(t, "junk", "alice")
		if status != http.StatusTooManyRequests {
			t.Errorf("the 5th exchange this minute (4 allowed, counted on both replicas): %d %v, want 429", status, out)
		}
	})
}
