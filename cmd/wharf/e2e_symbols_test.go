package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/pdb"
)

// symbolFixture reads a file of internal/pdb/testdata: real assemblies and
// portable PDBs that mcs and Mono.Cecil made (see its make.sh).
func symbolFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "internal", "pdb", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// writePair writes ID.VERSION.nupkg, holding Greeter.dll, and beside it
// ID.VERSION.snupkg holding pdbs (path → content), as dotnet pack leaves
// them; it returns the .nupkg's path.
func (e *e2e) writePair(t *testing.T, id, version string, pdbs map[string][]byte) string {
	t.Helper()
	dir, err := os.MkdirTemp(e.work, "symbols-")
	if err != nil {
		t.Fatal(err)
	}
	nupkg := filepath.Join(dir, id+"."+version+".nupkg")
	spec := nugettest.Spec{ID: id, Version: version, Files: map[string][]byte{"lib/netstandard2.0/Greeter.dll": symbolFixture(t, "greeter/Greeter.dll")}}
	if err := os.WriteFile(nupkg, spec.Build(), 0o644); err != nil {
		t.Fatal(err)
	}
	if pdbs != nil {
		if err := os.WriteFile(strings.TrimSuffix(nupkg, ".nupkg")+".snupkg", nugettest.Snupkg(id, version, pdbs), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return nupkg
}

// ssqpKey is the SSQP key dotnet-symbol builds for an assembly's PDB: from
// the CodeView entry of its debug directory.
func ssqpKey(t *testing.T, dll []byte) string {
	t.Helper()
	cvs, err := pdb.CodeViews(bytes.NewReader(dll), int64(len(dll)))
	if err != nil || len(cvs) != 1 || !cvs[0].Portable {
		t.Fatalf("CodeView entries %+v, %v: want one, of a portable PDB", cvs, err)
	}
	return pdb.Key(path.Base(cvs[0].Path), cvs[0].ID)
}

// getWith GETs url with an API key as the Basic password ("" for none).
func (e *e2e) getWith(t *testing.T, url, key string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if key != "" {
		req.SetBasicAuth("dotnet-symbol", key)
	}
	res, err := e.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, body
}

// TestE2ESymbols: NuGet.exe pushes a .snupkg beside its .nupkg because
// the feed advertises SymbolPackagePublish/4.9.0; the symbol server then
// serves the PDB under the key a debugger builds from the assembly, and
// the .snupkg itself. Symbol packages that do not fit their package are
// refused with sentences NuGet.exe prints, leaving nothing behind.
func TestE2ESymbols(t *testing.T) {
	e := newE2E(t)
	alice := e.apiKey(t, "alice")
	mallory := e.apiKey(t, "mallory")
	goodPDB := symbolFixture(t, "greeter/Greeter.pdb")
	pdbs := map[string][]byte{"lib/netstandard2.0/Greeter.pdb": goodPDB}

	nupkg := e.writePair(t, "Greeter.Lib", "1.0.0", pdbs)
	out := e.pushOK(t, nupkg, alice)
	if missing := missingFrom(out, "Pushing Greeter.Lib.1.0.0.snupkg", "/api/v2/symbolpackage"); len(missing) > 0 || strings.Count(out, "Your package was pushed.") != 2 {
		t.Fatalf("nuget push did not push both packages (lacks %q); output:\n%s", missing, out)
	}

	key := ssqpKey(t, symbolFixture(t, "greeter/Greeter.dll"))
	t.Run("the PDB by SSQP key", func(t *testing.T) {
		// As dotnet-symbol asks (lower case), and as Visual Studio does
		// (the file name's case, the age as FFFFFFFF).
		_, sig, _ := strings.Cut(key, "/")
		sig, _, _ = strings.Cut(sig, "/")
		upper := "Greeter.pdb/" + strings.ToUpper(sig[:32]) + "FFFFFFFF/Greeter.pdb"
		for _, k := range []string{key, upper} {
			status, body := e.getWith(t, e.base+"/v3/symbols/"+k, "")
			if status != http.StatusOK || !bytes.Equal(body, goodPDB) {
				t.Errorf("GET /v3/symbols/%s: %d, %d bytes; want 200 with Greeter.pdb's %d bytes", k, status, len(body), len(goodPDB))
			}
		}
		if status, _ := e.getWith(t, e.base+"/feeds/default/v3/symbols/"+key, ""); status != http.StatusOK {
			t.Errorf("the PDB through its feed's URL: %d, want 200", status)
		}
		other := ssqpKey(t, symbolFixture(t, "rebuilt/Greeter.dll"))
		if status, _ := e.getWith(t, e.base+"/v3/symbols/"+other, ""); status != http.StatusNotFound {
			t.Errorf("a PDB never pushed (%s): %d, want 404", other, status)
		}
	})
	t.Run("the .snupkg", func(t *testing.T) {
		want, _ := os.ReadFile(strings.TrimSuffix(nupkg, ".nupkg") + ".snupkg")
		status, body := e.getWith(t, e.base+"/v3/symbolpackage/greeter.lib/1.0.0/greeter.lib.1.0.0.snupkg", "")
		if status != http.StatusOK || !bytes.Equal(body, want) {
			t.Errorf("GET the .snupkg: %d, %d bytes; want 200 with the %d bytes pushed", status, len(body), len(want))
		}
	})

	t.Run("refusals", func(t *testing.T) {
		// 1.0.1's .nupkg is pushed alone, so that each .snupkg below is
		// pushed on its own, as "nuget push X.snupkg" does.
		e.pushOK(t, e.writePair(t, "Greeter.Lib", "1.0.1", nil), alice)
		windows := append([]byte("Microsoft C/C++ MSF 7.00\r\n\x1aDS\x00\x00\x00"), make([]byte, 4096)...)
		for _, c := range []struct {
			name, id, version, key string
			pdbs                   map[string][]byte
			want                   []string
		}{
			{"a version never pushed", "Greeter.Lib", "9.9.9", alice, pdbs, []string{"Greeter.Lib has no version 9.9.9", "Push Greeter.Lib.9.9.9.nupkg first"}},
			{"another owner's package", "Greeter.Lib", "1.0.1", mallory, pdbs, []string{"may not push symbols for 'Greeter.Lib'", "belongs to other owners"}},
			{"a Windows PDB", "Greeter.Lib", "1.0.1", alice, map[string][]byte{"lib/netstandard2.0/Greeter.pdb": windows}, []string{"is a Windows PDB", "portable PDBs only"}},
			{"a PDB of another build", "Greeter.Lib", "1.0.1", alice, map[string][]byte{"lib/netstandard2.0/Greeter.pdb": symbolFixture(t, "rebuilt/Greeter.pdb")}, []string{"does not belong to 'lib/netstandard2.0/Greeter.dll'", "same build"}},
			{"a PDB without its assembly", "Greeter.Lib", "1.0.1", alice, map[string][]byte{"lib/net45/Other.pdb": goodPDB}, []string{"'lib/net45/Other.pdb' has no assembly at the same path"}},
			{"symbols pushed twice", "Greeter.Lib", "1.0.0", alice, pdbs, []string{"were pushed already"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				snupkg := filepath.Join(e.work, c.id+"."+c.version+".snupkg")
				if err := os.WriteFile(snupkg, nugettest.Snupkg(c.id, c.version, c.pdbs), 0o644); err != nil {
					t.Fatal(err)
				}
				e.pushFails(t, snupkg, c.key, c.want...)
			})
		}
		status, _ := e.getWith(t, e.base+"/v3/symbolpackage/greeter.lib/1.0.1/greeter.lib.1.0.1.snupkg", "")
		other := ssqpKey(t, symbolFixture(t, "rebuilt/Greeter.dll"))
		if s2, _ := e.getWith(t, e.base+"/v3/symbols/"+other, ""); status != http.StatusNotFound || s2 != http.StatusNotFound {
			t.Errorf("after the refusals, 1.0.1's .snupkg answers %d and the refused PDB %d; want 404 for both", status, s2)
		}
	})
}

// TestE2EPrivateSymbols: symbols pushed to a private feed are read as its
// packages are: with a key of a reader, never anonymously (the Basic
// challenge) nor by strangers (404, as for what does not exist).
func TestE2EPrivateSymbols(t *testing.T) {
	e := newE2E(t)
	pushKey := e.apiKey(t, "alice")
	readKey, _ := e.addKey(t, "--user", "alice", "--scope", "read")
	e.apiKey(t, "mallory")
	strangerKey, _ := e.addKey(t, "--user", "mallory", "--scope", "read")
	e.wharfOK(t, "feed", "add", "secret", "--private")
	e.wharfOK(t, "feed", "grant", "secret", "--user", "alice", "--role", "publisher")
	secretFeed := e.base + "/feeds/secret/v3/index.json"

	pdbFile := symbolFixture(t, "greeter/Greeter.pdb")
	nupkg := e.writePair(t, "Secret.Greeter", "1.0.0", map[string][]byte{"lib/netstandard2.0/Greeter.pdb": pdbFile})
	cfg := e.sourceConfig(t, secretFeed, pushKey)
	out := e.nugetOK(t, "push", nupkg, "-Source", secretFeed, "-ApiKey", pushKey, "-ConfigFile", cfg)
	if !strings.Contains(out, "Pushing Secret.Greeter.1.0.0.snupkg") || strings.Count(out, "Your package was pushed.") != 2 {
		t.Fatalf("nuget push to the private feed did not push the .snupkg; output:\n%s", out)
	}

	key := ssqpKey(t, symbolFixture(t, "greeter/Greeter.dll"))
	for _, prefix := range []string{"/feeds/secret", ""} {
		for _, u := range []string{prefix + "/v3/symbols/" + key, prefix + "/v3/symbolpackage/secret.greeter/1.0.0/secret.greeter.1.0.0.snupkg"} {
			if status, body := e.getWith(t, e.base+u, readKey); status != http.StatusOK || len(body) == 0 {
				t.Errorf("a reader GETs %s: %d, want 200", u, status)
			}
			if status, _ := e.getWith(t, e.base+u, ""); status != http.StatusUnauthorized {
				t.Errorf("anonymous GET %s: %d, want 401", u, status)
			}
			want := http.StatusNotFound
			if status, _ := e.getWith(t, e.base+u, strangerKey); status != want {
				t.Errorf("a stranger's read key GETs %s: %d, want %d", u, status, want)
			}
		}
	}
}
