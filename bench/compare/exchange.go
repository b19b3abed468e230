package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// issuerTB lets the test OIDC issuer (internal/trust/trusttest, which
// signs real JWTs) run inside this program: it reports failures by
// panicking and runs cleanups on close.
type issuerTB struct {
	testing.TB
	cleanups []func()
}

func (t *issuerTB) Helper()                         {}
func (t *issuerTB) Cleanup(f func())                { t.cleanups = append(t.cleanups, f) }
func (t *issuerTB) Fatalf(format string, a ...any)  { panic(fmt.Sprintf(format, a...)) }
func (t *issuerTB) Fatal(a ...any)                  { panic(fmt.Sprint(a...)) }
func (t *issuerTB) Errorf(format string, a ...any)  { panic(fmt.Sprintf(format, a...)) }
func (t *issuerTB) Logf(format string, args ...any) {}
func (t *issuerTB) close() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

// exchangeAudience is the aud the benchmark's tokens carry.
const exchangeAudience = "https://wharf.bench.test"

// newIssuer starts a local GitHub-like OIDC issuer.
func newIssuer() (*trusttest.Issuer, func()) {
	tb := &issuerTB{}
	return trusttest.NewIssuer(tb), tb.close
}

// setUpPolicy creates the user, organisation and policy the tokens match;
// env names the issuer, as for the server.
func setUpPolicy(bin, data string, env []string) error {
	for _, args := range [][]string{
		{"user", "add", "alice"},
		{"org", "add", "contoso", "--admin", "alice"},
		{"policy", "add", "--user", "alice", "--owner", "contoso", "--provider", "github",
			"--repository", "contoso/sdk", "--workflow", "release.yml", "--environment", "prod"},
	} {
		if _, err := wharfCLI(bin, data, env, args...); err != nil {
			return err
		}
	}
	return nil
}

// exchangeResult is one exchange run.
type exchangeResult struct {
	PerSec   float64
	P50, P99 time.Duration
	Errors   int
	// FirstError is the first refusal's status and body, to say why.
	FirstError string
}

// exchanges trades count fresh tokens for keys over conns connections.
// Tokens are signed before the clock starts: signing is the CI
// provider's work, not Wharf's.
func exchanges(base string, iss *trusttest.Issuer, count, conns int) (exchangeResult, error) {
	tokens := make([]string, count)
	for i := range tokens {
		tokens[i] = iss.Token(trusttest.GitHubClaims(iss.URL, exchangeAudience, time.Now()))
	}
	body, _ := json.Marshal(map[string]string{"username": "alice", "tokenType": "ApiKey"})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns}, Timeout: 30 * time.Second}
	var mu sync.Mutex
	next := 0
	var lat []time.Duration
	errors := 0
	var firstErr string
	var wg sync.WaitGroup
	t0 := time.Now()
	for w := 0; w < conns; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var local []time.Duration
			bad := 0
			for {
				mu.Lock()
				if next == len(tokens) {
					mu.Unlock()
					break
				}
				tok := tokens[next]
				next++
				mu.Unlock()
				req, _ := http.NewRequest(http.MethodPost, base+"/api/v2/token", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+tok)
				req.Header.Set("User-Agent", "nuget/login-action")
				s := time.Now()
				res, err := client.Do(req)
				if err != nil {
					bad++
					continue
				}
				msg, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					mu.Lock()
					if firstErr == "" {
						firstErr = fmt.Sprintf("%s: %s", res.Status, msg)
					}
					mu.Unlock()
					bad++
					continue
				}
				local = append(local, time.Since(s))
			}
			mu.Lock()
			lat = append(lat, local...)
			errors += bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	secs := time.Since(t0).Seconds()
	slices.Sort(lat)
	r := exchangeResult{PerSec: float64(len(lat)) / secs, Errors: errors, FirstError: firstErr}
	if len(lat) > 0 {
		r.P50, r.P99 = lat[len(lat)/2], lat[len(lat)*99/100]
	}
	return r, nil
}
