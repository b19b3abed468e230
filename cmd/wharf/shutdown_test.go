package main

import (
	"io"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
)

// TestShutdownFinishesInFlightPush starts a push that uploads slowly,
// sends SIGTERM halfway through the upload, and requires the push to be
// accepted (201), the package to be stored, and the process to exit 0.
func TestShutdownFinishesInFlightPush(t *testing.T) {
	e := startWharfIn(t, "")
	key := e.apiKey(t, "alice")
	spec := nugettest.Spec{ID: "Slow.Push", Version: "1.0.0", Payload: 256 << 10}
	nupkg := spec.Build()
	head, tail := nugettest.PushFraming()
	pr, pw := io.Pipe()
	req := nugettest.PushRequest(e.base+"/api/v2/package", key, nupkg, pr)
	req.ContentLength = int64(len(head) + len(nupkg) + len(tail))
	done := make(chan *http.Response, 1)
	errc := make(chan error, 1)
	go func() {
		res, err := e.http.Do(req)
		if err != nil {
			errc <- err
			return
		}
		done <- res
	}()
	half := len(nupkg) / 2
	pw.Write(append(head, nupkg[:half]...))
	time.Sleep(200 * time.Millisecond) // the request is in flight
	if err := e.srv.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // the server is shutting down
	for i := half; i < len(nupkg); i += 32 << 10 {
		pw.Write(nupkg[i:min(i+32<<10, len(nupkg))])
		time.Sleep(20 * time.Millisecond)
	}
	pw.Write(tail)
	pw.Close()
	select {
	case res := <-done:
		res.Body.Close()
		if res.StatusCode != http.StatusCreated {
			t.Errorf("the push in flight at SIGTERM: %s, want 201 Created", res.Status)
		}
	case err := <-errc:
		t.Fatalf("the push in flight at SIGTERM failed: %v\nserver output:\n%s", err, e.srvOut.String())
	case <-time.After(30 * time.Second):
		t.Fatal("the push in flight at SIGTERM got no answer")
	}
	select {
	case <-e.srvDone:
		if e.srvErr != nil {
			t.Errorf("wharf serve exited with %v after SIGTERM, want 0", e.srvErr)
		}
	case <-time.After(shutdownTimeout):
		t.Errorf("wharf serve still runs %v after SIGTERM", shutdownTimeout)
	}
	e.exited = true
	if _, _, err := e.get(e.base + "/healthz"); err == nil {
		t.Error("the server still answers after shutting down")
	}
	// The push committed: a new server on the same data serves it.
	e2 := startWharfIn(t, e.data)
	if got := e2.nupkg(t, spec.ID, spec.Version); string(got) != string(nupkg) {
		t.Errorf("after the restart the pushed package is %d bytes, want the %d pushed", len(got), len(nupkg))
	}
}
