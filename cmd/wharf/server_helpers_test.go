// Helpers for the tests that run "wharf serve" without NuGet.exe: the
// shutdown, replica and migration tests talk plain HTTP from Go.
package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
)

// startWharfIn runs "wharf serve" on a free port of 127.0.0.1 with the
// data directory data (a fresh one when "") and extra environment, trying
// another port when the one probed was taken meanwhile.
func startWharfIn(t *testing.T, data string, env ...string) *e2e {
	t.Helper()
	if data == "" {
		data = t.TempDir()
	}
	e := &e2e{
		bin: wharfBinary(t), data: data, work: t.TempDir(), extraEnv: env,
		http: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{Proxy: nil}},
	}
	for attempt := 1; ; attempt++ {
		err := e.startServer(t)
		if err == nil {
			return e
		}
		if attempt >= 3 || !strings.Contains(e.srvOut.String(), "address already in use") {
			t.Fatalf("wharf serve did not come up: %v\nserver output:\n%s", err, e.srvOut.String())
		}
	}
}

// apiKey creates a user (once) and a key for them with the admin commands.
func (e *e2e) apiKey(t *testing.T, user string) string {
	t.Helper()
	if _, stderr, code := e.wharf(t, "user", "add", user); code != 0 && !strings.Contains(stderr, "taken") {
		t.Fatalf("wharf user add %s: exit %d: %s", user, code, stderr)
	}
	key, _ := e.addKey(t, "--user", user)
	return key
}

// mustPushHTTP pushes spec and fails unless the answer is 201; it returns
// the package's bytes.
func (e *e2e) mustPushHTTP(t *testing.T, key string, spec nugettest.Spec) []byte {
	t.Helper()
	if status, why := e.pushHTTP(t, key, spec); status != http.StatusCreated {
		t.Fatalf("push %s %s to %s: %s", spec.ID, spec.Version, e.base, why)
	}
	return spec.Build() // reproducible: the bytes pushed
}

// nupkg downloads a version's .nupkg from the flat container (nil on 404).
func (e *e2e) nupkg(t *testing.T, id, version string) []byte {
	t.Helper()
	lid, lv := strings.ToLower(id), strings.ToLower(version)
	status, body, err := e.get(e.base + "/v3/package/" + lid + "/" + lv + "/" + lid + "." + lv + ".nupkg")
	if err != nil {
		t.Fatalf("download %s %s: %v%s", id, version, err, e.serverGone())
	}
	if status == http.StatusNotFound {
		return nil
	}
	if status != http.StatusOK {
		t.Fatalf("download %s %s from %s: status %d", id, version, e.base, status)
	}
	return body
}

// exchangeHTTP posts a CI token as NuGet/login@v1 does and returns the
// status and the decoded answer.
func (e *e2e) exchangeHTTP(t *testing.T, token, user string) (int, map[string]string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": user, "tokenType": "ApiKey"})
	req, _ := http.NewRequest(http.MethodPost, e.base+"/api/v2/token", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("User-Agent", "nuget/login-action")
	res, err := e.http.Do(req)
	if err != nil {
		t.Fatalf("exchange: %v%s", err, e.serverGone())
	}
	defer res.Body.Close()
	out := map[string]string{}
	json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}
