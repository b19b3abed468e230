package upstreamtest

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

// The fixture serves the documented shapes: registration gzip-encoded, a
// catalog hash that matches the .nupkg (and one that does not, when
// asked), and it stops and starts.
func TestFixtureServesNuGetOrgShapes(t *testing.T) {
	pkgs := []Package{{ID: "Fixture.Lib", Versions: []Version{{Version: "1.0.0"}, {Version: "2.0.0", WrongHash: true}}}}
	f := Start(t, pkgs)
	noGzip := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	req, _ := http.NewRequest(http.MethodGet, f.Base+"/v3/registration5-gz-semver2/fixture.lib/index.json", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := noGzip.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("registration Content-Encoding = %q, want gzip as nuget.org serves it", res.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	var reg struct {
		Items []struct {
			Items []struct {
				CatalogEntry struct {
					ID             string `json:"@id"`
					PackageContent string `json:"packageContent"`
				} `json:"catalogEntry"`
			} `json:"items"`
		} `json:"items"`
	}
	if err := json.NewDecoder(zr).Decode(&reg); err != nil || len(reg.Items) != 1 || len(reg.Items[0].Items) != 2 {
		t.Fatalf("registration: %v %+v", err, reg)
	}
	res.Body.Close()
	for i, wantMatch := range []bool{true, false} {
		e := reg.Items[0].Items[i].CatalogEntry
		var leaf struct{ PackageHash string }
		getJSON(t, e.ID, &leaf)
		res, err := http.Get(e.PackageContent)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if got := SHA512(b) == leaf.PackageHash; got != wantMatch {
			t.Errorf("version %d: hash matches = %v, want %v", i, got, wantMatch)
		}
	}
	var q struct{ TotalHits int }
	getJSON(t, f.Base+"/query?q=anything", &q)
	if q.TotalHits != 1 {
		t.Errorf("search totalHits = %d", q.TotalHits)
	}
	f.Stop()
	if _, err := http.Get(f.IndexURL); err == nil {
		t.Errorf("the feed still answers after Stop")
	}
	f.Start()
	getJSON(t, f.IndexURL, &struct{}{})
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, res.Status)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}
