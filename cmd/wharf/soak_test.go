package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/testenv"
)

// soakDuration is how long the soak test sends traffic: WHARF_SOAK_DURATION,
// else 2 minutes in CI and 20 seconds elsewhere.
func soakDuration(t *testing.T) time.Duration {
	if v := os.Getenv("WHARF_SOAK_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 10*time.Second {
			t.Fatalf("WHARF_SOAK_DURATION=%q: want a duration of at least 10s, such as 20s or 2m", v)
		}
		return d
	}
	if os.Getenv("CI") != "" {
		return 2 * time.Minute
	}
	return 20 * time.Second
}

const (
	soakClients  = 6                      // concurrent readers
	soakPackages = 8                      // IDs the traffic spreads over
	pushEvery    = 200 * time.Millisecond // one push per tick; every fifth tick also unlists
)

// published is a version the traffic may restore, with its package's hash.
type published struct {
	id, version string
	sha         [32]byte
}

// soak is the traffic's shared state and its counts.
type soak struct {
	t       *testing.T
	base    string
	key     string
	c       *http.Client
	mu      sync.RWMutex
	pub     []published
	next    atomic.Int64
	counts  sync.Map // request kind -> *atomic.Int64
	errs    atomic.Int64
	errMsgs sync.Map // first few errors, by message
}

// count records one request of a kind.
func (s *soak) count(kind string) {
	v, _ := s.counts.LoadOrStore(kind, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
}

// fail records an unexpected answer; the test fails at the end.
func (s *soak) fail(format string, args ...any) {
	if s.errs.Add(1) <= 10 {
		s.errMsgs.Store(fmt.Sprintf(format, args...), true)
	}
}

// get fetches a path and checks the status, returning the body.
func (s *soak) get(kind, path string, want int) []byte {
	s.count(kind)
	res, err := s.c.Get(s.base + path)
	if err != nil {
		s.fail("GET %s: %v", path, err)
		return nil
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != want {
		s.fail("GET %s: %s (%v), want %d", path, res.Status, err, want)
		return nil
	}
	return b
}

// push publishes a new version of one of the packages.
func (s *soak) push() {
	n := s.next.Add(1)
	spec := nugettest.Spec{ID: fmt.Sprintf("Soak.Pkg%d", n%soakPackages), Version: fmt.Sprintf("1.0.%d", n),
		Description: "Soak test package.", Tags: "soak", Readme: []byte("# Soak\n\nVersion " + fmt.Sprint(n))}
	nupkg := spec.Build()
	s.count("push")
	req := nugettest.PushRequest(s.base+"/api/v2/package", s.key, nupkg, nil)
	res, err := s.c.Do(req)
	if err != nil {
		s.fail("push %s %s: %v", spec.ID, spec.Version, err)
		return
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		s.fail("push %s %s: %s", spec.ID, spec.Version, res.Status)
		return
	}
	s.mu.Lock()
	s.pub = append(s.pub, published{spec.ID, spec.Version, sha256.Sum256(nupkg)})
	s.mu.Unlock()
}

// unlist hides a random published version (it stays restorable).
func (s *soak) unlist() {
	p := s.pick()
	s.count("unlist")
	req, _ := http.NewRequest(http.MethodDelete, s.base+"/api/v2/package/"+p.id+"/"+p.version, nil)
	req.Header.Set("X-NuGet-ApiKey", s.key)
	res, err := s.c.Do(req)
	if err != nil {
		s.fail("unlist %s %s: %v", p.id, p.version, err)
		return
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusNoContent {
		s.fail("unlist %s %s: %s", p.id, p.version, res.Status)
	}
}

func (s *soak) pick() published {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.pub[rand.IntN(len(s.pub))]
}

// restore does what a client restoring a version does: the versions list,
// the registration, the package; it checks the version is listed and the
// bytes are the ones pushed.
func (s *soak) restore() {
	p := s.pick()
	lid, lv := strings.ToLower(p.id), strings.ToLower(p.version)
	if b := s.get("versions", "/v3/package/"+lid+"/index.json", 200); b != nil && !bytes.Contains(b, []byte(`"`+lv+`"`)) {
		s.fail("the versions of %s lack %s", p.id, p.version)
	}
	s.get("registration", "/v3/registration/"+lid+"/index.json", 200)
	if b := s.get("registration", "/v3/registration/"+lid+"/"+lv+".json", 200); b != nil && !bytes.Contains(b, []byte(p.version)) {
		s.fail("the registration leaf of %s %s lacks its version", p.id, p.version)
	}
	if b := s.get("nupkg", "/v3/package/"+lid+"/"+lv+"/"+lid+"."+lv+".nupkg", 200); b != nil && sha256.Sum256(b) != p.sha {
		s.fail("%s %s: the .nupkg differs from the one pushed", p.id, p.version)
	}
}

// search queries the feed as clients and people do.
func (s *soak) search() {
	var r struct {
		TotalHits int `json:"totalHits"`
	}
	if b := s.get("search", "/v3/search?q=soak&take=20&prerelease=true&semVerLevel=2.0.0", 200); b != nil {
		if err := json.Unmarshal(b, &r); err != nil || r.TotalHits == 0 {
			s.fail("search for soak: %d hits (%v)", r.TotalHits, err)
		}
	}
	s.get("autocomplete", "/v3/autocomplete?q=soak.p", 200)
	p := s.pick()
	if b := s.get("page", "/packages/"+p.id+"/"+p.version, 200); b != nil && !bytes.Contains(b, []byte("Soak test package.")) {
		s.fail("the page of %s %s lacks its description", p.id, p.version)
	}
}

// TestSoak sends mixed traffic (restores, searches and package pages from
// soakClients readers, a push every pushEvery and an unlist every fifth)
// to the real server for soakDuration, sampling it every second or so.
// Every answer must be the expected one, and after a warm-up quarter the
// server must not grow: goroutines, file descriptors, heap and RSS of the
// last window are compared with those of the first window after warm-up,
// and after the traffic stops it must fall back to where it started.
func TestSoak(t *testing.T) {
	d := soakDuration(t)
	var env []string
	if b := testenv.Backend(); b != testenv.SQLiteFS {
		env = testenv.ServerEnv(t, b)
	}
	e := startWharf(t, env)
	tr := &http.Transport{Proxy: nil, MaxIdleConnsPerHost: soakClients + 4}
	s := &soak{t: t, base: e.base, key: e.apiKey(t, "soak"), c: &http.Client{Timeout: 30 * time.Second, Transport: tr}}
	for range soakPackages {
		s.push()
	}
	sampler := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil}}
	pid := e.srv.Process.Pid
	idleBefore, err := sampleServer(sampler, e.base, pid)
	if err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for i := range soakClients {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				if i%3 == 2 {
					s.search()
				} else {
					s.restore()
				}
			}
		})
	}
	wg.Go(func() {
		tick := time.NewTicker(pushEvery)
		defer tick.Stop()
		for n := 1; time.Now().Before(deadline); n++ {
			<-tick.C
			s.push()
			if n%5 == 0 {
				s.unlist()
			}
		}
	})
	every := max(d/40, 500*time.Millisecond)
	var samples []sample
	for time.Now().Before(deadline) {
		time.Sleep(every)
		sm, err := sampleServer(sampler, e.base, pid)
		if err != nil {
			t.Errorf("sampling the server: %v%s", err, e.serverGone())
			break
		}
		sm.at = time.Since(start)
		samples = append(samples, sm)
	}
	wg.Wait()
	took := time.Since(start)
	tr.CloseIdleConnections()
	time.Sleep(time.Second)
	idleAfter, err := sampleServer(sampler, e.base, pid)
	if err != nil {
		t.Fatal(err)
	}
	s.report(t, took, samples, idleBefore, idleAfter)
	if logs := e.srvOut.String(); strings.Contains(logs, "level=ERROR") || strings.Contains(logs, "level=WARN") {
		t.Errorf("the server logged errors or warnings during the soak")
	}
}
