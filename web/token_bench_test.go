package web_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/registry"
)

// BenchmarkExchange measures POST /api/v2/token end to end over loopback
// with a warm key cache: signature check, policy match, key insert. Tokens
// are signed before the timer starts (signing is the CI provider's cost).
func BenchmarkExchange(b *testing.B) {
	f := newTPFeedTB(b, -1)
	f.policy(registry.NewPolicy{User: "alice", Repository: "contoso/sdk", Workflow: "release.yml", Environment: "prod"})
	f.mustExchange(f.claims(), "alice") // warm discovery and JWKS
	tokens := make([]string, b.N)
	for i := range tokens {
		tokens[i] = f.iss.Token(f.claims())
	}
	body, _ := json.Marshal(map[string]string{"username": "alice", "tokenType": "ApiKey"})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var mu sync.Mutex
	var next int
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var local []time.Duration
		for pb.Next() {
			mu.Lock()
			tok := tokens[next]
			next++
			mu.Unlock()
			req, _ := http.NewRequest(http.MethodPost, f.urls.Token(), bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("User-Agent", "bench")
			t0 := time.Now()
			res, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			res.Body.Close()
			local = append(local, time.Since(t0))
			if res.StatusCode != http.StatusOK {
				b.Errorf("status %d", res.StatusCode)
				return
			}
		}
		mu.Lock()
		lat = append(lat, local...)
		mu.Unlock()
	})
	b.StopTimer()
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
}
