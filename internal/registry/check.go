package registry

import (
	"context"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/wharf-registry/wharf/internal/storage"
)

// CheckReport is what Check found. Missing and Corrupt are losses: a
// version the feed lists that cannot be restored as pushed. Orphans are
// not: files of pushes that never committed (interrupted, or still in
// flight), which block nothing and which SweepOrphans removes.
type CheckReport struct {
	Versions int      // version rows checked
	Files    int      // files in the package store
	Missing  []string // "ID VERSION: KEY": a file a version needs is not stored
	Corrupt  []string // "ID VERSION: KEY: why": stored with another size or SHA-512 than recorded
	Orphans  []string // keys of stored files that no version uses
}

// OK reports whether every version has its files as pushed.
func (r *CheckReport) OK() bool { return len(r.Missing) == 0 && len(r.Corrupt) == 0 }

// Check compares the database with the package store, reading both
// directly (not the cache): every version, listed or not, must have its
// .nupkg with the recorded size, its .nuspec and the readme, icon and
// license its metadata names; with hashes, the .nupkg's SHA-512 must be
// the recorded one (this reads every package). Symbol packages are checked
// alike (checkSymbols). Files that no version or symbol package uses are
// reported as orphans. Errors: the database's or the store's.
func (s *Service) Check(ctx context.Context, hashes bool) (*CheckReport, error) {
	pkgs, err := s.store.AllPackages(ctx)
	if err != nil {
		return nil, fmt.Errorf("check: read versions: %w", err)
	}
	stored := map[string]int64{}
	err = s.blobs.List(ctx, "packages/", func(i storage.Info) error {
		stored[i.Key] = i.Size
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("check: list the package store: %w", err)
	}
	r := &CheckReport{Files: len(stored)}
	used := map[string]bool{}
	for _, p := range pkgs {
		for i := range p.Versions {
			pv := &p.Versions[i]
			if pv.BlobPrefix == "" && pv.UpstreamContentURL != "" {
				continue // mirrored, not downloaded yet: nothing is stored
			}
			r.Versions++
			what := p.Name + " " + pv.Version.String()
			for j, key := range versionFiles(p.Name, pv) {
				used[key] = true
				size, ok := stored[key]
				switch {
				case !ok:
					r.Missing = append(r.Missing, what+": "+key)
				case j == 0 && size != pv.Size:
					r.Corrupt = append(r.Corrupt, fmt.Sprintf("%s: %s: %d bytes stored, %d recorded", what, key, size, pv.Size))
				case j == 0 && hashes:
					if why := s.checkHash(ctx, key, pv.SHA512); why != "" {
						r.Corrupt = append(r.Corrupt, what+": "+key+": "+why)
					}
				}
			}
		}
	}
	if err := s.checkSymbols(ctx, pkgs, stored, used, r, hashes); err != nil {
		return nil, err
	}
	for key := range stored {
		if !used[key] {
			r.Orphans = append(r.Orphans, key)
		}
	}
	sort.Strings(r.Missing)
	sort.Strings(r.Corrupt)
	sort.Strings(r.Orphans)
	return r, nil
}

// checkHash returns why the blob under key does not have the SHA-512
// want, or "".
func (s *Service) checkHash(ctx context.Context, key, want string) string {
	b, err := s.blobs.Open(ctx, key)
	if errors.Is(err, storage.ErrNotFound) {
		return "vanished while checked"
	}
	if err != nil {
		return "cannot be read: " + err.Error()
	}
	defer b.Close()
	h := sha512.New()
	if _, err := io.Copy(h, b); err != nil {
		return "cannot be read: " + err.Error()
	}
	if base64.StdEncoding.EncodeToString(h.Sum(nil)) != want {
		return "its SHA-512 is not the one recorded at push"
	}
	return ""
}
