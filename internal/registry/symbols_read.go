package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/wharf-registry/wharf/internal/storage"
)

// This file reads symbol packages: a PDB by SSQP key, a version's
// .snupkg, and Check's part for them.

// maxSymbolCandidates bounds the versions an SSQP lookup checks.
const maxSymbolCandidates = 20

// OpenSymbolFile opens the portable PDB stored under an SSQP key, from a
// version the caller may read (the read scope in ctx, as every read).
// The key is "{file}/{signature}/{file}" in any case. Errors: ErrNotFound.
func (s *Service) OpenSymbolFile(ctx context.Context, key string) (storage.Blob, error) {
	key = strings.ToLower(key)
	parts := strings.Split(key, "/")
	if len(parts) != 3 || parts[0] != parts[2] || !strings.HasSuffix(parts[0], ".pdb") {
		return nil, errorf(ErrNotFound, "There is no symbol file under '%s'; keys look like foo.pdb/{guid}ffffffff/foo.pdb.", key)
	}
	locs, err := s.store.SymbolLocations(ctx, key, maxSymbolCandidates)
	if err != nil {
		return nil, err
	}
	for _, l := range locs {
		if _, _, err := s.Version(ctx, l.LowerID, l.LowerVersion); err != nil {
			continue // a version the caller may not read is absent
		}
		b, err := s.blobs.Open(ctx, l.BlobKey)
		if err != nil {
			return nil, fmt.Errorf("open symbol file %s: %w", l.BlobKey, err)
		}
		return b, nil
	}
	return nil, errorf(ErrNotFound, "There is no symbol file '%s' on this feed.", key)
}

// OpenSymbolPackage opens a version's .snupkg, for a caller who may read
// the version. Errors: ErrNotFound (no such version, or no symbols).
func (s *Service) OpenSymbolPackage(ctx context.Context, id, version string) (storage.Blob, *SymbolPackage, error) {
	p, pv, err := s.Version(ctx, id, version)
	if err != nil {
		return nil, nil, err
	}
	sp, err := s.store.SymbolPackage(ctx, pv.ID)
	if errors.Is(err, ErrNotFound) {
		return nil, nil, errorf(ErrNotFound, "%s %s has no symbol package.", p.Name, pv.Version)
	}
	if err != nil {
		return nil, nil, err
	}
	k := sp.BlobPrefix + "/" + keySafe(strings.ToLower(p.Name)) + "." + pv.Version.Lower() + ".snupkg"
	b, err := s.blobs.Open(ctx, k)
	if err != nil {
		return nil, nil, fmt.Errorf("open %s: %w", k, err)
	}
	return b, sp, nil
}

// checkSymbols is Check's part for symbol packages: each must have its
// .snupkg (recorded size, and SHA-512 with hashes) and its PDBs stored.
func (s *Service) checkSymbols(ctx context.Context, pkgs []*Package, stored map[string]int64, used map[string]bool, r *CheckReport, hashes bool) error {
	sps, err := s.store.AllSymbolPackages(ctx)
	if err != nil {
		return fmt.Errorf("check: read symbol packages: %w", err)
	}
	type version struct {
		name string
		pv   *PackageVersion
	}
	byID := map[int64]version{}
	for _, p := range pkgs {
		for i := range p.Versions {
			byID[p.Versions[i].ID] = version{p.Name, &p.Versions[i]}
		}
	}
	for _, sp := range sps {
		v, ok := byID[sp.VersionID]
		if !ok {
			continue // its version is gone, and the row with it
		}
		what := v.name + " " + v.pv.Version.String() + " symbols"
		snupkg := sp.BlobPrefix + "/" + keySafe(strings.ToLower(v.name)) + "." + v.pv.Version.Lower() + ".snupkg"
		want := []SymbolFile{{Blob: snupkg, Size: sp.Size}}
		for _, f := range sp.Files {
			want = append(want, SymbolFile{Blob: sp.BlobPrefix + "/" + f.Blob, Size: f.Size})
		}
		for j, f := range want {
			used[f.Blob] = true
			size, ok := stored[f.Blob]
			switch {
			case !ok:
				r.Missing = append(r.Missing, what+": "+f.Blob)
			case size != f.Size:
				r.Corrupt = append(r.Corrupt, fmt.Sprintf("%s: %s: %d bytes stored, %d recorded", what, f.Blob, size, f.Size))
			case j == 0 && hashes:
				if why := s.checkHash(ctx, f.Blob, sp.SHA512); why != "" {
					r.Corrupt = append(r.Corrupt, what+": "+f.Blob+": "+why)
				}
			}
		}
	}
	return nil
}
