package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
)

func searchFeed(t *testing.T) *feed {
	f := newFeed(t)
	f.mustPush(widget("1.0.0"))
	f.mustPush(widget("1.1.0"))
	f.mustPush(widget("2.0.0-beta"))
	f.mustPush(nugettest.Spec{ID: "Contoso.Core", Version: "1.0.0", Tags: "core", Description: "The core."})
	f.mustPush(nugettest.Spec{ID: "SemVer.Two", Version: "1.0.0+build.7"})
	f.mustPush(nugettest.Spec{ID: "SemVer.Dep", Version: "1.0.0", Dependencies: map[string][]nugettest.Dep{"": {{ID: "X", Range: "[1.0.0-beta.1, )"}}}})
	f.mustPush(nugettest.Spec{ID: "Only.Pre", Version: "0.1.0-alpha"})
	f.mustPush(nugettest.Spec{ID: "Some.Tool", Version: "3.0.0", PackageTypes: []string{"DotnetTool"}})
	bob := f.userKey("bob")
	if res := f.push(bob, nugettest.Spec{ID: "Bobs.Lib", Version: "1.0.0", Description: "Uses widgets."}.Build()); res.StatusCode != http.StatusCreated {
		t.Fatal(res.Status)
	}
	f.mustPush(nugettest.Spec{ID: "Gone.Pkg", Version: "1.0.0"})
	f.unlistReq(f.key, "Gone.Pkg", "1.0.0", http.MethodDelete)
	return f
}

func (f *feed) search(q url.Values) nuget.SearchResponse {
	f.t.Helper()
	var res nuget.SearchResponse
	f.getJSON(f.urls.Search()+"?"+q.Encode(), http.StatusOK, &res)
	return res
}

func ids(r nuget.SearchResponse) string {
	var out []string
	for _, d := range r.Data {
		out = append(out, d.PackageID+"@"+d.Version)
	}
	return strings.Join(out, " ")
}

func TestSearch(t *testing.T) {
	f := searchFeed(t)
	tests := []struct {
		name  string
		query url.Values
		want  string
		total int
	}{
		{"empty query lists stable SemVer1 listed packages", url.Values{}, "", 4},
		{"prerelease shows prerelease latest", url.Values{"q": {"widget"}, "prerelease": {"true"}}, "Contoso.Widget@2.0.0-beta Bobs.Lib@1.0.0", 2},
		{"stable only", url.Values{"q": {"widget"}}, "Contoso.Widget@1.1.0 Bobs.Lib@1.0.0", 2},
		{"semVerLevel 2 shows SemVer2 packages", url.Values{"q": {"semver"}, "semVerLevel": {"2.0.0"}}, "SemVer.Dep@1.0.0 SemVer.Two@1.0.0+build.7", 2},
		{"SemVer2 hidden without semVerLevel", url.Values{"q": {"semver"}}, "", 0},
		{"unlisted never appears", url.Values{"q": {"gone"}, "prerelease": {"true"}, "semVerLevel": {"2.0.0"}}, "", 0},
		{"id: field", url.Values{"q": {"id:contoso"}}, "Contoso.Core@1.0.0 Contoso.Widget@1.1.0", 2},
		{"packageid: exact", url.Values{"q": {"packageid:contoso.core"}}, "Contoso.Core@1.0.0", 1},
		{"owner: field", url.Values{"q": {"owner:bob"}}, "Bobs.Lib@1.0.0", 1},
		{"tags: field", url.Values{"q": {"tags:core"}}, "Contoso.Core@1.0.0", 1},
		{"packageType filter", url.Values{"packageType": {"DotnetTool"}}, "Some.Tool@3.0.0", 1},
		{"packageTypeFilter, as NuGet.Client sends it", url.Values{"packageTypeFilter": {"DotnetTool"}}, "Some.Tool@3.0.0", 1},
		{"take and skip", url.Values{"q": {"contoso"}, "take": {"1"}, "skip": {"1"}}, "Contoso.Widget@1.1.0", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := f.search(tc.query)
			if res.TotalHits != tc.total {
				t.Errorf("totalHits = %d, want %d (%s)", res.TotalHits, tc.total, ids(res))
			}
			if tc.want != "" && ids(res) != tc.want {
				t.Errorf("got %q, want %q", ids(res), tc.want)
			}
		})
	}
	t.Run("versions list only what the filter allows", func(t *testing.T) {
		res := f.search(url.Values{"q": {"packageid:contoso.widget"}})
		if len(res.Data) != 1 || len(res.Data[0].Versions) != 2 || res.Data[0].Owners[0] != "alice" {
			t.Fatalf("%+v", res.Data)
		}
		body := f.getJSON(f.urls.Search()+"?q=packageid:contoso.widget", http.StatusOK, nil)
		f.golden(t, "search-widget", body)
	})
}

func TestAutocomplete(t *testing.T) {
	f := searchFeed(t)
	var res nuget.AutocompleteResponse
	f.getJSON(f.urls.Autocomplete()+"?q=contoso", http.StatusOK, &res)
	if strings.Join(res.Data, ",") != "Contoso.Core,Contoso.Widget" || res.TotalHits == nil || *res.TotalHits != 2 {
		t.Errorf("ids = %v", res.Data)
	}
	f.getJSON(f.urls.Autocomplete()+"?id=contoso.widget", http.StatusOK, &res)
	if strings.Join(res.Data, ",") != "1.0.0,1.1.0" {
		t.Errorf("versions = %v", res.Data)
	}
	f.getJSON(f.urls.Autocomplete()+"?id=contoso.widget&prerelease=true", http.StatusOK, &res)
	if strings.Join(res.Data, ",") != "1.0.0,1.1.0,2.0.0-beta" {
		t.Errorf("versions with prerelease = %v", res.Data)
	}
}
