package upstream

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"testing"
)

func TestSearch(t *testing.T) {
	f := newFakeFeed(t)
	var got url.Values
	f.handle("/v3/search", func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.Query()
		_, _ = w.Write([]byte(`{"totalHits": 42, "data": [
			{"@id":"https://x/reg/a/index.json","@type":"Package","registration":"https://x/reg/a/index.json",
			 "id":"Newtonsoft.Json","version":"13.0.3","description":"Json.NET","summary":"",
			 "title":"Json.NET","iconUrl":"https://x/icon.png","licenseUrl":"https://x/l","projectUrl":"https://x/p",
			 "tags":["json"],"authors":["James Newton-King"],"owners":["jamesnk"],
			 "totalDownloads": 5000000000, "verified": true,
			 "packageTypes":[{"name":"Dependency"}],
			 "versions":[{"version":"12.0.1","downloads":10,"@id":"https://x/12"},{"version":"13.0.3","downloads":20.0,"@id":"https://x/13"}],
			 "deprecation":{"reasons":["Legacy"],"message":"m","alternatePackage":{"id":"Other","range":"[1.0.0, )"}},
			 "vulnerabilities":[{"advisoryUrl":"https://x/adv","severity":1}]},
			{"id":"Tiny","version":"1.0.0","authors":"Solo","tags":"a b"}]}`))
	})
	c := newTestClient(Options{})
	res, err := c.Search(context.Background(), f.source(), SearchQuery{Q: "json", Skip: 20, Take: 10, Prerelease: true, SemVerLevel: "2.0.0", PackageType: "Dependency"})
	if err != nil {
		t.Fatal(err)
	}
	want := url.Values{"q": {"json"}, "skip": {"20"}, "take": {"10"}, "prerelease": {"true"}, "semVerLevel": {"2.0.0"}, "packageType": {"Dependency"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("query = %v, want %v", got, want)
	}
	if res.TotalHits != 42 || len(res.Hits) != 2 {
		t.Fatalf("got %+v", res)
	}
	h := res.Hits[0]
	if h.ID != "Newtonsoft.Json" || h.Version != "13.0.3" || h.Title != "Json.NET" || h.Authors != "James Newton-King" ||
		h.TotalDownloads != 5000000000 || !h.Verified || h.IconURL != "https://x/icon.png" || !reflect.DeepEqual(h.Tags, []string{"json"}) {
		t.Errorf("hit = %+v", h)
	}
	if want := []SearchVersion{{"12.0.1", 10}, {"13.0.3", 20}}; !reflect.DeepEqual(h.Versions, want) {
		t.Errorf("versions = %+v", h.Versions)
	}
	if h.Deprecation == nil || h.Deprecation.AlternatePackage == nil || h.Deprecation.AlternatePackage.ID != "Other" ||
		len(h.Vulnerabilities) != 1 || h.Vulnerabilities[0].Severity != "1" {
		t.Errorf("deprecation %+v vulnerabilities %+v", h.Deprecation, h.Vulnerabilities)
	}
	if tiny := res.Hits[1]; tiny.Authors != "Solo" || !reflect.DeepEqual(tiny.Tags, []string{"a", "b"}) {
		t.Errorf("tiny = %+v", tiny)
	}
}

func TestAutocomplete(t *testing.T) {
	f := newFakeFeed(t)
	var got url.Values
	f.handle("/v3/autocomplete", func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.Query()
		_, _ = w.Write([]byte(`{"@context":{},"totalHits":3,"data":["Newtonsoft.Json","Newtonsoft.Json.Bson"]}`))
	})
	c := newTestClient(Options{})
	ids, total, err := c.Autocomplete(context.Background(), f.source(), SearchQuery{Q: "newt", Take: 2})
	if err != nil {
		t.Fatal(err)
	}
	if total != 3 || !reflect.DeepEqual(ids, []string{"Newtonsoft.Json", "Newtonsoft.Json.Bson"}) {
		t.Errorf("got %v %d", ids, total)
	}
	if got.Get("q") != "newt" || got.Get("take") != "2" || got.Get("prerelease") != "false" {
		t.Errorf("query = %v", got)
	}
	f.handle("/v3/autocomplete", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", 401) })
	if _, _, err := c.Autocomplete(context.Background(), f.source(), SearchQuery{Q: "x"}); !errors.Is(err, ErrRefused) {
		t.Errorf("401: err = %v, want ErrRefused", err)
	}
}

func TestSearchWithoutResource(t *testing.T) {
	f := newFakeFeed(t)
	f.set("/v3/index.json", `{"version":"3.0.0","resources":[]}`)
	if _, err := newTestClient(Options{}).Search(context.Background(), f.source(), SearchQuery{Q: "x"}); !errors.Is(err, ErrUnavailable) {
		t.Errorf("err = %v, want ErrUnavailable", err)
	}
}
