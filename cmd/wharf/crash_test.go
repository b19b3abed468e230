package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
)

// crashRounds is how many times TestKillDuringPushes kills the server:
// WHARF_CRASH_ROUNDS, default 30: about 20 s under the race detector on
// two idle cores, 45 s on busy ones.
func crashRounds(t *testing.T) int {
	s := os.Getenv("WHARF_CRASH_ROUNDS")
	if s == "" {
		return 30
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		t.Fatalf("WHARF_CRASH_ROUNDS=%q: want a number of rounds, at least 1", s)
	}
	return n
}

// crashSeed seeds the kill moments: WHARF_CRASH_SEED to replay a failure,
// else the clock.
func crashSeed(t *testing.T) uint64 {
	if s := os.Getenv("WHARF_CRASH_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("WHARF_CRASH_SEED=%q: want the number a failed run logged", s)
		}
		return n
	}
	return uint64(time.Now().UnixNano())
}

// TestKillDuringPushes runs "wharf serve" on one data directory again and
// again. Each round it checks the data directory (the SQLite database and
// the packages folder, read directly: every version row has its files
// with the recorded hash and the bytes pushed, the feed lists exactly the
// rows, every push acknowledged before a crash is there), retries the
// pushes the last crash interrupted (201, or 409 only if that version's
// row exists, and then with the bytes pushed), then starts six pushes at
// once (two large ones uploading slowly, four small) and kills the server
// with SIGKILL at a random moment. At the end, files left by interrupted
// pushes are aged past the sweep's hour and a restart removes them, and
// "wharf check --hashes" passes.
func TestKillDuringPushes(t *testing.T) {
	rounds, seed := crashRounds(t), crashSeed(t)
	t.Logf("%d rounds, seed %d (rerun with WHARF_CRASH_ROUNDS=%d WHARF_CRASH_SEED=%d)", rounds, seed, rounds, seed)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	data := t.TempDir()
	wharfBinary(t) // built before the clock starts
	began := time.Now()
	e := startWharfIn(t, data)
	key := e.apiKey(t, "alice")
	pushed := map[string][]byte{} // every package ever sent, by key()
	hashed := map[string]bool{}   // blob prefixes whose .nupkg was compared with what was pushed
	var pending, acked []*crashPush
	var stats struct{ pushes, acked, interrupted, conflicts int }
	for round := 1; round <= rounds+1; round++ {
		if round > 1 {
			e = startWharfIn(t, data)
		}
		st := checkDataDir(t, data, pushed, hashed)
		checkVersionsServed(t, e, st)
		for _, p := range acked {
			if _, ok := st.rows[p.key()]; !ok {
				t.Errorf("round %d: %s was acknowledged (201) before the crash but is not in the database", round, p.key())
			}
		}
		for _, p := range pending {
			p.pace = 0
			status, err := e.send(p, key)
			switch {
			case err != nil:
				t.Fatalf("round %d: retrying %s: %v%s", round, p.key(), err, e.serverGone())
			case status == http.StatusConflict:
				if _, ok := st.rows[p.key()]; !ok {
					t.Errorf("round %d: retrying %s: 409, but no such version was committed", round, p.key())
				}
				stats.conflicts++
			case status != http.StatusCreated:
				t.Errorf("round %d: retrying %s: status %d, want 201 (or 409 if it had committed)", round, p.key(), status)
			}
			if got := e.nupkg(t, p.id, p.version); !bytes.Equal(got, p.body) {
				t.Errorf("round %d: after the retry %s serves %d bytes, want the %d pushed", round, p.key(), len(got), len(p.body))
			}
		}
		if t.Failed() {
			t.Fatalf("round %d: the data directory is inconsistent after a crash (seed %d)\nserver output:\n%s", round, seed, e.srvOut.String())
		}
		if round > rounds {
			break
		}
		batch := crashBatch(round)
		for _, p := range batch {
			pushed[p.key()] = p.body
		}
		delay := time.Duration(rng.Int64N(int64(400 * time.Millisecond)))
		var wg sync.WaitGroup
		for _, p := range batch {
			wg.Add(1)
			go func() {
				defer wg.Done()
				status, err := e.send(p, key)
				switch {
				case err != nil: // killed mid-push
				case status == http.StatusCreated:
					p.acked = true
				default:
					t.Errorf("round %d: push %s: status %d before the kill, want 201", round, p.key(), status)
				}
			}()
		}
		time.Sleep(delay)
		if err := e.srv.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		<-e.srvDone
		e.exited = true
		wg.Wait()
		pending = pending[:0]
		for _, p := range batch {
			if p.acked {
				acked = append(acked, p)
				stats.acked++
			} else {
				pending = append(pending, p)
				stats.interrupted++
			}
		}
		stats.pushes += len(batch)
		t.Logf("round %d (%v in): killed after %v: %d acknowledged, interrupted:%s", round, time.Since(began).Round(100*time.Millisecond),
			delay.Round(time.Millisecond), len(batch)-len(pending), describe(pending))
	}
	// What interrupted pushes left (files no row uses, temporary files) is
	// swept at start-up once an hour old.
	e.stopServer(t)
	e.exited = true
	left := leftovers(t, data, pushed, hashed)
	ageFiles(t, filepath.Join(data, "packages"), 2*time.Hour)
	ageFiles(t, filepath.Join(data, "tmp"), 2*time.Hour)
	e = startWharfIn(t, data)
	var still []string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if still = leftovers(t, data, pushed, hashed); len(still) == 0 || time.Now().After(deadline) {
			break
		}
	}
	if len(still) != 0 {
		t.Errorf("after a restart, files of interrupted pushes older than an hour remain: %q", still)
	}
	st := checkDataDir(t, data, pushed, hashed)
	out, _ := e.wharfOK(t, "check", "--hashes")
	if want := fmt.Sprintf("Checked %d versions and %d files: 0 missing, 0 differing, 0 orphaned.", len(st.rows), 2*len(st.rows)); !strings.Contains(out, want) {
		t.Errorf("wharf check --hashes after the sweep:\n%s\nwant %q", out, want)
	}
	t.Logf("%d kills in %v: %d pushes (%d acknowledged, %d interrupted and retried, of which %d had committed), %d versions stored and intact, %d files left by interrupted pushes swept at restart",
		rounds, time.Since(began).Round(100*time.Millisecond), stats.pushes, stats.acked, stats.interrupted, stats.conflicts, len(st.rows), len(left))
}

// leftovers lists the files of a data directory that no version uses:
// orphans in packages/, and temporary files of the store and the spool.
func leftovers(t *testing.T, data string, pushed map[string][]byte, hashed map[string]bool) []string {
	t.Helper()
	left := checkDataDir(t, data, pushed, hashed).orphans
	for _, dir := range []string{filepath.Join("packages", ".tmp"), "tmp"} {
		entries, _ := os.ReadDir(filepath.Join(data, dir))
		for _, en := range entries {
			left = append(left, filepath.Join(dir, en.Name()))
		}
	}
	return left
}

// crashBatch is what round pushes: two large packages (1 MB, uploaded in
// about 0.3 s) and four small ones, each a new version.
func crashBatch(round int) []*crashPush {
	var batch []*crashPush
	for i := range 6 {
		p := &crashPush{id: fmt.Sprintf("Crash.Pkg%d", i%3), version: fmt.Sprintf("1.%d.%d", round, i)}
		if i < 2 {
			p.body, p.pace = storedPackage(nugettest.Spec{ID: p.id, Version: p.version}, 1<<20), 8*time.Millisecond
		} else {
			p.body = nugettest.Spec{ID: p.id, Version: p.version}.Build()
		}
		batch = append(batch, p)
	}
	return batch
}
