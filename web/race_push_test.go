// Pushes raced over HTTP against the real server on the test backend:
// one version pushed by 50 clients at once, and 50 versions of one ID
// pushed at once while other clients restore it.

package web_test

import (
	"bytes"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
)

// raceClients is how many clients push at once.
const raceClients = 50

// racePush pushes nupkg with key over its own connection and returns the
// response with its body read, or the transport error.
func (f *feed) racePush(key string, nupkg []byte) (*http.Response, error) {
	res, err := raceClient.Do(nugettest.PushRequest(f.urls.Publish(), key, nupkg, nil))
	if err != nil {
		return nil, err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res, nil
}

func sha512Base64(b []byte) string {
	sum := sha512.Sum512(b)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// TestRacePushSameVersion: 50 clients push the same ID and version at
// once, each with its own content. Exactly one is accepted (201), the 49
// others get 409 with the sentence, and the feed serves the winner's bytes
// with the winner's hash; one set of files is stored.
func TestRacePushSameVersion(t *testing.T) {
	f := newFeed(t)
	bodies := make([][]byte, raceClients)
	for i := range bodies {
		bodies[i] = nugettest.Spec{ID: "Raced.Pkg", Version: "1.0.0", Description: fmt.Sprintf("Upload %d of %d.", i+1, raceClients)}.Build()
	}
	responses := make([]*http.Response, raceClients)
	start := time.Now()
	together(raceClients, func(i int) {
		res, err := f.racePush(f.key, bodies[i])
		if err != nil {
			t.Errorf("client %d: %v", i, err)
			return
		}
		responses[i] = res
	})
	t.Logf("%d pushes of one version raced in %v", raceClients, time.Since(start).Round(time.Millisecond))
	winner, conflicts := -1, 0
	for i, res := range responses {
		switch {
		case res == nil:
		case res.StatusCode == http.StatusCreated && winner < 0:
			winner = i
		case res.StatusCode == http.StatusCreated:
			t.Errorf("clients %d and %d were both accepted", winner, i)
		default:
			refusal(t, fmt.Sprintf("client %d", i), res, http.StatusConflict, "Raced.Pkg 1.0.0 already exists and a published version never changes.")
			conflicts++
		}
	}
	if winner < 0 || conflicts != raceClients-1 {
		t.Fatalf("%v accepted, %d refused with 409; want exactly one 201 and %d 409s", winner >= 0, conflicts, raceClients-1)
	}
	if got := f.nupkg("raced.pkg", "1.0.0"); !bytes.Equal(got, bodies[winner]) {
		t.Errorf("the feed serves %d bytes that are not the winning upload (client %d, %d bytes)", len(got), winner, len(bodies[winner]))
	}
	want := sha512Base64(bodies[winner])
	var entry nuget.CatalogEntry
	f.getJSON(f.urls.CatalogEntry("raced.pkg", "1.0.0"), http.StatusOK, &entry)
	var idx nuget.RegistrationIndex
	f.getJSON(f.urls.RegistrationIndex("raced.pkg"), http.StatusOK, &idx)
	if entry.PackageHash != want || len(idx.Items) != 1 || len(idx.Items[0].Items) != 1 || idx.Items[0].Items[0].CatalogEntry.PackageHash != want {
		t.Errorf("catalog packageHash %q, registration %+v; want the winner's SHA-512 %q in both", entry.PackageHash, idx.Items, want)
	}
	if v := f.versions("raced.pkg"); v != `{"versions":["1.0.0"]}` {
		t.Errorf("versions = %s", v)
	}
	if files := strings.Count(f.state(), "file "); files != 2 {
		t.Errorf("the store holds %d files, want the winner's .nupkg and .nuspec only:\n%s", files, f.state())
	}
}

// nupkg downloads a version's .nupkg; nil when the feed answers 404.
func (f *feed) nupkg(lowerID, lowerVer string) []byte {
	f.t.Helper()
	res, b := f.get(f.urls.Nupkg(lowerID, lowerVer))
	switch res.StatusCode {
	case http.StatusOK:
		return b
	case http.StatusNotFound:
		return nil
	}
	f.t.Fatalf("download %s %s: %s", lowerID, lowerVer, res.Status)
	return nil
}

// raceVersion is the i-th version pushed by TestRacePushVersionsWhileRestoring:
// releases, prereleases and four-part versions, whose NuGet order is not
// the order of their strings (1.10.0 after 1.9.0, alpha.10 after alpha.9).
func raceVersion(i int) string {
	switch i % 4 {
	case 0:
		return fmt.Sprintf("1.%d.0", i)
	case 1:
		return fmt.Sprintf("2.0.0-alpha.%d", i)
	case 2:
		return fmt.Sprintf("2.0.0.%d", i)
	}
	return fmt.Sprintf("0.%d.1-rc", i)
}

// TestRacePushVersionsWhileRestoring: 50 clients push 50 versions of one
// ID at once while 4 clients restore it in a loop (versions list,
// registration index, .nupkg). Every answer parses; the lists are in NuGet
// order; none lists a version whose .nupkg is missing or differs from what
// was pushed; none lacks a version that an earlier answer showed or whose
// push had been accepted; at the end all 50 are there.
func TestRacePushVersionsWhileRestoring(t *testing.T) {
	f := newFeed(t)
	bodies := map[string][]byte{}
	for i := range raceClients {
		v := raceVersion(i)
		bodies[v] = nugettest.Spec{ID: "Busy.Pkg", Version: v}.Build()
	}
	r := newRestorers(f, "busy.pkg", bodies)
	stop := r.start(4)
	start := time.Now()
	together(raceClients, func(i int) {
		v := raceVersion(i)
		res, err := f.racePush(f.key, bodies[v])
		switch {
		case err != nil:
			t.Errorf("push %s: %v", v, err)
		case res.StatusCode != http.StatusCreated:
			t.Errorf("push %s: %s (%s)", v, res.Status, res.Header.Get("X-NuGet-Warning"))
		default:
			r.acked(v)
		}
	})
	pushTime := time.Since(start)
	time.Sleep(50 * time.Millisecond) // a last round of reads after the pushes
	reads := stop()
	t.Logf("%d versions pushed at once in %v while 4 restorers made %d reads (%d .nupkg downloads)",
		raceClients, pushTime.Round(time.Millisecond), reads, r.downloads.Load())
	for _, e := range r.errors() {
		t.Error(e)
	}
	var got nuget.VersionsIndex
	f.getJSON(f.urls.Versions("busy.pkg"), http.StatusOK, &got)
	if len(got.Versions) != raceClients {
		t.Errorf("after the pushes the versions list has %d versions, want %d: %q", len(got.Versions), raceClients, got.Versions)
	}
	for _, v := range got.Versions {
		if b := f.nupkg("busy.pkg", v); !bytes.Equal(b, bodies[v]) {
			t.Errorf("%s: the feed serves %d bytes, not the %d pushed", v, len(b), len(bodies[v]))
		}
	}
}
