package web_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
)

func TestRegistrationInlined(t *testing.T) {
	f := newFeed(t)
	f.mustPush(widget("1.0.0"))
	f.mustPush(widget("1.1.0-rc.1"))
	if res := f.unlistReq(f.key, "Contoso.Widget", "1.0.0", http.MethodDelete); res.StatusCode != http.StatusNoContent {
		t.Fatalf("unlist: %s", res.Status)
	}
	var idx nuget.RegistrationIndex
	body := f.getJSON(f.urls.RegistrationIndex("contoso.widget"), http.StatusOK, &idx)
	f.golden(t, "registration-index", body)
	if idx.Count != 1 || len(idx.Items) != 1 || len(idx.Items[0].Items) != 2 {
		t.Fatalf("want one inlined page of 2 versions, got %+v", idx)
	}
	first := idx.Items[0].Items[0].CatalogEntry
	if first.Listed || first.Published != "1900-01-01T00:00:00+00:00" {
		t.Errorf("unlisted version: listed=%v published=%s", first.Listed, first.Published)
	}
	if len(first.DependencyGroups) != 2 || first.DependencyGroups[0].TargetFramework != "net8.0" {
		t.Errorf("dependency groups = %+v", first.DependencyGroups)
	}
	if first.ReadmeURL != f.urls.Readme("contoso.widget", "1.0.0") || first.IconURL != f.urls.Icon("contoso.widget", "1.0.0") {
		t.Errorf("readme %q icon %q", first.ReadmeURL, first.IconURL)
	}
	if first.LicenseExpression != "MIT" {
		t.Errorf("license = %q", first.LicenseExpression)
	}
	leaf := f.getJSON(f.urls.RegistrationLeaf("contoso.widget", "1.1.0-rc.1"), http.StatusOK, nil)
	f.golden(t, "registration-leaf", leaf)
	catalog := f.getJSON(first.ID, http.StatusOK, nil)
	f.golden(t, "catalog-entry", catalog)
	f.getJSON(f.urls.RegistrationIndex("no.such"), http.StatusNotFound, nil)
}

func TestRegistrationPaged(t *testing.T) {
	f := newFeed(t)
	for i := 0; i < 130; i++ {
		f.mustPush(nugettest.Spec{ID: "Many.Versions", Version: fmt.Sprintf("1.0.%d", i)})
	}
	var idx nuget.RegistrationIndex
	f.getJSON(f.urls.RegistrationIndex("many.versions"), http.StatusOK, &idx)
	if idx.Count != 3 || len(idx.Items) != 3 {
		t.Fatalf("want 3 pages for 130 versions, got %d", idx.Count)
	}
	total := 0
	for i, p := range idx.Items {
		if p.Items != nil {
			t.Errorf("page %d is inlined; pages above 128 versions are fetched", i)
		}
		var page nuget.RegistrationPage
		f.getJSON(p.ID, http.StatusOK, &page)
		if page.Count != len(page.Items) || page.Lower != p.Lower || page.Upper != p.Upper || page.Parent != f.urls.RegistrationIndex("many.versions") {
			t.Errorf("page %d: %d items, count %d, %s–%s", i, len(page.Items), page.Count, page.Lower, page.Upper)
		}
		total += len(page.Items)
	}
	if total != 130 || idx.Items[0].Lower != "1.0.0" || idx.Items[2].Upper != "1.0.129" {
		t.Errorf("pages hold %d versions, %s–%s", total, idx.Items[0].Lower, idx.Items[2].Upper)
	}
}
