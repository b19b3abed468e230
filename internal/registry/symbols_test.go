package registry_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/pdb"
	"github.com/wharf-registry/wharf/internal/registry"
)

// greeter reads a file of internal/pdb/testdata (real mcs/Cecil output).
func greeter(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../pdb/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// symbolPair returns Sym.Pkg 1.0.0's .nupkg, with Greeter.dll for two
// frameworks, and its .snupkg with the two PDBs.
func symbolPair(t *testing.T) (nupkg, snupkg []byte) {
	dll, pdbFile := greeter(t, "greeter/Greeter.dll"), greeter(t, "greeter/Greeter.pdb")
	nupkg = nugettest.Spec{ID: "Sym.Pkg", Version: "1.0.0", Files: map[string][]byte{
		"lib/net45/Greeter.dll": dll, "lib/netstandard2.0/Greeter.dll": dll,
	}}.Build()
	snupkg = nugettest.Snupkg("Sym.Pkg", "1.0.0", map[string][]byte{
		"lib/net45/Greeter.pdb": pdbFile, "lib/netstandard2.0/Greeter.pdb": pdbFile,
	})
	return nupkg, snupkg
}

// TestPushSymbolsStorageFaultLeavesNothing: a storage fault at any write
// of a symbol push (the .snupkg, either PDB) leaves no file, no symbol
// package and nothing in the way of a retry, which then serves the PDB
// and passes Check with no orphans.
func TestPushSymbolsStorageFaultLeavesNothing(t *testing.T) {
	for _, failAt := range []int32{3, 4, 5} { // puts 1 and 2 are the package's
		t.Run(fmt.Sprintf("fault at put %d", failAt), func(t *testing.T) {
			ctx := context.Background()
			s, key, blobs := pushSetup(t, failAt)
			nupkg, snupkg := symbolPair(t)
			if _, err := s.Push(ctx, key, upload(nupkg)); err != nil {
				t.Fatal(err)
			}
			before := storedKeys(t, blobs)
			if _, err := s.PushSymbols(ctx, key, upload(snupkg)); err == nil {
				t.Fatal("symbol push succeeded despite the storage fault")
			}
			if after := storedKeys(t, blobs); !slices.Equal(before, after) {
				t.Errorf("a failed symbol push left files: %q, before %q", after, before)
			}
			if _, _, err := s.OpenSymbolPackage(ctx, "Sym.Pkg", "1.0.0"); !errors.Is(err, registry.ErrNotFound) {
				t.Errorf("a failed symbol push left a symbol package: %v", err)
			}
			pushed, err := s.PushSymbols(ctx, key, upload(snupkg))
			if err != nil || pushed.PDBs != 2 {
				t.Fatalf("retry: %+v, %v", pushed, err)
			}
			cvs, _ := pdb.CodeViews(bytes.NewReader(greeter(t, "greeter/Greeter.dll")), int64(len(greeter(t, "greeter/Greeter.dll"))))
			b, err := s.OpenSymbolFile(ctx, pdb.Key(path.Base(cvs[0].Path), cvs[0].ID))
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(b)
			b.Close()
			if !bytes.Equal(got, greeter(t, "greeter/Greeter.pdb")) {
				t.Error("the PDB served is not the one pushed")
			}
			r, err := s.Check(ctx, true)
			if err != nil || !r.OK() || len(r.Orphans) != 0 || r.Files != len(before)+3 {
				t.Errorf("check after the symbol push: %+v, %v; want OK, no orphans, the .snupkg and 2 PDBs more", r, err)
			}
			if n, err := s.SweepOrphans(ctx, -1); err != nil || n != 0 {
				t.Errorf("the sweep removed %d files (%v); the symbol package's are live", n, err)
			}
		})
	}
}

// TestConcurrentSymbolPushes: of racing pushes of one version's symbols,
// one wins and the others are told symbols exist; the losers leave no
// files behind.
func TestConcurrentSymbolPushes(t *testing.T) {
	ctx := context.Background()
	s, key, blobs := pushSetup(t, -1)
	nupkg, snupkg := symbolPair(t)
	if _, err := s.Push(ctx, key, upload(nupkg)); err != nil {
		t.Fatal(err)
	}
	before := len(storedKeys(t, blobs))
	const n = 8
	errs := make(chan error, n)
	for range n {
		go func() {
			_, err := s.PushSymbols(ctx, key, upload(snupkg))
			errs <- err
		}()
	}
	ok := 0
	for range n {
		switch err := <-errs; {
		case err == nil:
			ok++
		case !errors.Is(err, registry.ErrConflict):
			t.Errorf("a racing symbol push: %v, want success or ErrConflict", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d racing symbol pushes succeeded, want 1", ok)
	}
	if got := len(storedKeys(t, blobs)); got != before+3 {
		t.Errorf("%d files stored after the race, want %d: the .snupkg and 2 PDBs of the winner", got, before+3)
	}
}

// TestPushSymbolsRefusals: what is not a portable PDB of the package's
// own assemblies is refused with a sentence, and nothing is stored.
func TestPushSymbolsRefusals(t *testing.T) {
	ctx := context.Background()
	s, key, blobs := pushSetup(t, -1)
	nupkg, _ := symbolPair(t)
	if _, err := s.Push(ctx, key, upload(nupkg)); err != nil {
		t.Fatal(err)
	}
	before := storedKeys(t, blobs)
	windows := append([]byte("Microsoft C/C++ MSF 7.00\r\n\x1aDS\x00\x00\x00"), make([]byte, 1024)...)
	for _, c := range []struct {
		name string
		pdbs map[string][]byte
		want string
	}{
		{"text named .pdb", map[string][]byte{"lib/net45/Greeter.pdb": []byte("not a pdb")}, "'lib/net45/Greeter.pdb' is not a portable PDB (it does not start with the metadata signature BSJB)"},
		{"an assembly named .pdb", map[string][]byte{"lib/net45/Greeter.pdb": greeter(t, "greeter/Greeter.dll")}, "is not a portable PDB"},
		{"a Windows PDB", map[string][]byte{"lib/net45/Greeter.pdb": windows}, "'lib/net45/Greeter.pdb' is a Windows PDB"},
		{"another build's PDB", map[string][]byte{"lib/net45/Greeter.pdb": greeter(t, "rebuilt/Greeter.pdb")}, "does not belong to 'lib/net45/Greeter.dll' in Sym.Pkg 1.0.0"},
		{"one good, one without assembly", map[string][]byte{"lib/net45/Greeter.pdb": greeter(t, "greeter/Greeter.pdb"), "lib/net8.0/Greeter.pdb": greeter(t, "greeter/Greeter.pdb")}, "'lib/net8.0/Greeter.pdb' has no assembly at the same path"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.PushSymbols(ctx, key, upload(nugettest.Snupkg("Sym.Pkg", "1.0.0", c.pdbs)))
			if !errors.Is(err, registry.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want ErrInvalid saying %q", err, c.want)
			}
			if after := storedKeys(t, blobs); !slices.Equal(before, after) {
				t.Errorf("a refused symbol push stored %q", after)
			}
		})
	}
}
