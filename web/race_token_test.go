// One CI token raced at the exchange by 20 clients over HTTP.

package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
)

// exchangeClients is how many clients race one token.
const exchangeClients = 20

// raceExchange posts token as NuGet/login@v1 does, over its own
// connection, and returns the status and the decoded answer.
func (f *tpFeed) raceExchange(token, username string) (int, map[string]string, error) {
	body, _ := json.Marshal(map[string]string{"username": username, "tokenType": "ApiKey"})
	req, _ := http.NewRequest(http.MethodPost, f.urls.Token(), bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("User-Agent", "nuget/login-action")
	res, err := raceClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	out := map[string]string{}
	b, _ := io.ReadAll(res.Body)
	json.Unmarshal(b, &out)
	return res.StatusCode, out, nil
}

// TestRaceExchangeOneToken: 20 clients present the same token at once to
// a policy that is still pending. Exactly one gets a key (200); the 19
// others get 401 "already been used", the contract for a replayed token.
// One key exists afterwards, it publishes, the policy was bound once, and
// the audit log records one accepted exchange and 19 replays.
func TestRaceExchangeOneToken(t *testing.T) {
	f := newTPFeed(t, 0) // the default rate limit, 30 a minute: 20 exchanges stay within it
	f.policy(registry.NewPolicy{User: "alice", Repository: "contoso/sdk", Workflow: "release.yml", Environment: "prod"})
	token := f.iss.Token(f.claims())
	type answer struct {
		status int
		out    map[string]string
	}
	answers := make([]answer, exchangeClients)
	together(exchangeClients, func(i int) {
		status, out, err := f.raceExchange(token, "alice")
		if err != nil {
			t.Errorf("client %d: %v", i, err)
		}
		answers[i] = answer{status, out}
	})
	var key string
	replays := 0
	for i, a := range answers {
		switch {
		case a.status == http.StatusOK && key == "" && strings.HasPrefix(a.out["apiKey"], registry.TrustedKeyPrefix):
			key = a.out["apiKey"]
		case a.status == http.StatusUnauthorized && a.out["error"] == "This bearer token has already been used. A new bearer token must be used for each request.":
			replays++
		default:
			t.Errorf("client %d: %d %v, want the one 200 with a key or 401 already used", i, a.status, a.out)
		}
	}
	if key == "" || replays != exchangeClients-1 {
		t.Fatalf("%v key minted, %d replays refused; want one key and %d refusals", key != "", replays, exchangeClients-1)
	}
	ctx := context.Background()
	keys, err := f.reg.ListKeys(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	minted := 0
	for _, k := range keys {
		if k.PolicyID != nil {
			minted++
		}
	}
	if minted != 1 {
		t.Errorf("alice has %d trusted-publishing keys, want 1", minted)
	}
	if res := f.push(key, nugettest.Spec{ID: "Contoso.Sdk", Version: "1.0.0"}.Build()); res.StatusCode != http.StatusCreated {
		t.Errorf("push with the one minted key: %s", res.Status)
	}
	events, err := f.reg.AuditLog(ctx, 1000)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, e := range events {
		count[e.Kind+" "+e.Outcome]++
	}
	if count["token.exchange accepted"] != 1 || count["token.replay rejected"] != exchangeClients-1 || count["policy.bind done"] != 1 {
		t.Errorf("audit log counts %v; want 1 accepted exchange, %d replays and 1 binding", count, exchangeClients-1)
	}
}
