package web_test

import (
	"bytes"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
)

// TestSymbolPushThroughPackageEndpoint: a .snupkg sent to the package
// endpoint (a client or script given only /api/v2/package) is taken as
// symbols, not refused as a package without authors; the PDB and the
// .snupkg are then served, with HEAD, and misses are 404.
func TestSymbolPushThroughPackageEndpoint(t *testing.T) {
	f := newFeed(t)
	f.mustPush(nugettest.Spec{ID: "Contoso.Greeter", Version: "1.0.0", Files: greeterDLL(t)})
	pdbFile, err := os.ReadFile("../internal/pdb/testdata/greeter/Greeter.pdb")
	if err != nil {
		t.Fatal(err)
	}
	snupkg := nugettest.Snupkg("Contoso.Greeter", "1.0.0", map[string][]byte{"lib/netstandard2.0/Greeter.pdb": pdbFile})
	if res := f.push(f.key, snupkg); res.StatusCode != http.StatusCreated {
		t.Fatalf("push the .snupkg to %s: %s (%s)", f.urls.Publish(), res.Status, res.Header.Get("X-NuGet-Warning"))
	}
	if res := f.push(f.key, snupkg); res.StatusCode != http.StatusConflict || !strings.Contains(res.Header.Get("X-NuGet-Warning"), "were pushed already") {
		t.Errorf("the same .snupkg again: %s (%s), want 409 saying so", res.Status, res.Header.Get("X-NuGet-Warning"))
	}
	pdbURL := f.urls.SymbolServer() + greeterKey()
	res, body := f.get(pdbURL)
	if res.StatusCode != http.StatusOK || !bytes.Equal(body, pdbFile) || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("GET %s: %s, %d bytes, Cache-Control %q", pdbURL, res.Status, len(body), res.Header.Get("Cache-Control"))
	}
	req, _ := http.NewRequest(http.MethodHead, pdbURL, nil)
	if res := f.do(req); res.StatusCode != http.StatusOK || res.ContentLength != int64(len(pdbFile)) {
		t.Errorf("HEAD %s: %s, length %d", pdbURL, res.Status, res.ContentLength)
	}
	res, body = f.get(f.urls.Snupkg("contoso.greeter", "1.0.0"))
	if res.StatusCode != http.StatusOK || !bytes.Equal(body, snupkg) {
		t.Errorf("GET the .snupkg: %s, %d bytes", res.Status, len(body))
	}
	for _, miss := range []string{
		f.urls.SymbolServer() + "greeter.pdb/00000000000000000000000000000000ffffffff/greeter.pdb",
		f.urls.SymbolServer() + strings.Replace(greeterKey(), "greeter.pdb/", "other.pdb/", 1),
		f.urls.SymbolServer() + strings.Replace(greeterKey(), ".pdb", ".pd_", -1),
		f.urls.Snupkg("contoso.greeter", "2.0.0"),
		f.urls.Snupkg("absent.lib", "1.0.0"),
	} {
		if res, _ := f.get(miss); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %s, want 404", miss, res.Status)
		}
	}
}
