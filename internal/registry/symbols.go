package registry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/pdb"
)

// This file holds symbol packages (.snupkg): pushing one for a version
// already pushed, and reading its portable PDBs by SSQP key. See
// docs/symbols.md.

// SymbolPackage is a version's stored .snupkg and the PDBs taken from it.
// Its files live under their own BlobPrefix, of the same shape as a
// version's, so the orphan sweep treats both alike:
//
//	packages/{lowerid}/{lowerversion}/{uploadid}/{lowerid}.{lowerversion}.snupkg
//	packages/{lowerid}/{lowerversion}/{uploadid}/{n}.pdb
type SymbolPackage struct {
	ID         int64
	VersionID  int64
	BlobPrefix string
	Size       int64
	SHA512     string // base64 of the SHA-512 of the .snupkg
	PushedBy   int64
	Created    time.Time
	Files      []SymbolFile
}

// SymbolFile is one portable PDB of a symbol package.
type SymbolFile struct {
	Key  string // SSQP key, lower case: "foo.pdb/{guid}ffffffff/foo.pdb"
	Path string // its path in the .snupkg
	Blob string // its name under the symbol package's BlobPrefix
	Size int64
}

// SymbolLocation is where a PDB with a given key is stored: the version it
// belongs to, and its storage key.
type SymbolLocation struct {
	LowerID, LowerVersion string
	BlobKey               string
	Size                  int64
}

// SymbolStore keeps symbol packages.
type SymbolStore interface {
	// InsertSymbols stores sp (setting sp.ID) in one transaction if
	// ownerID owns its version's package (else ErrForbidden); a version
	// that has symbols already is ErrConflict.
	InsertSymbols(ctx context.Context, ownerID int64, sp *SymbolPackage) error
	// SymbolPackage returns a version's symbol package (ErrNotFound).
	SymbolPackage(ctx context.Context, versionID int64) (*SymbolPackage, error)
	// AllSymbolPackages returns every symbol package with its files.
	AllSymbolPackages(ctx context.Context) ([]SymbolPackage, error)
	// SymbolLocations finds up to limit stored PDBs with an SSQP key,
	// newest first.
	SymbolLocations(ctx context.Context, key string, limit int) ([]SymbolLocation, error)
}

// IsSymbolPackage reports whether an upload is a .snupkg, for the push
// endpoint that takes both kinds.
func IsSymbolPackage(up Upload) bool { return nuget.IsSymbolPackage(up.R, up.Size) }

// PushedSymbols describes a symbol package that PushSymbols stored.
type PushedSymbols struct {
	PackageName string
	Version     nuget.Version
	PDBs        int
}

// PushSymbols validates a .snupkg and stores it with its version,
// atomically (as Push: files first, then one transaction). The version
// must exist and the key must be allowed to push its package; every PDB
// must be portable and belong to the assembly at its path in the version's
// .nupkg (same PDB GUID and stamp in the assembly's CodeView entry). A
// version has at most one symbol package, which never changes.
// Errors: ErrInvalid, ErrTooLarge, ErrNotFound (no such version),
// ErrForbidden, ErrConflict (symbols exist), ErrStorageFull, ErrUnavailable.
func (s *Service) PushSymbols(ctx context.Context, key *APIKey, up Upload) (*PushedSymbols, error) {
	if up.Size > s.maxSize {
		return nil, s.tooLarge()
	}
	sp, err := nuget.OpenSymbolPackage(up.R, up.Size, s.limits)
	if err != nil {
		var ve *nuget.ValidationError
		if errors.As(err, &ve) {
			return nil, errorf(ErrInvalid, "%s", ve.Error())
		}
		return nil, fmt.Errorf("open symbol package: %w", err)
	}
	if err := requirePush(key); err != nil {
		return nil, err
	}
	p, err := s.authorizeID(ctx, key, sp.ID, "push symbols for")
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, errorf(ErrNotFound, "There is no package '%s' for these symbols: push %s.%s.nupkg first, then its .snupkg.", sp.ID, sp.ID, sp.Version)
	}
	if _, err := s.pushFeed(ctx, key, p.Name, p); err != nil {
		return nil, err
	}
	pv := p.Find(sp.Version)
	if pv == nil {
		return nil, errorf(ErrNotFound, "%s has no version %s: a symbol package's ID and version must be those of a package pushed before it. Push %s.%s.nupkg first, then its .snupkg.", p.Name, sp.Version, p.Name, sp.Version)
	}
	if _, err := s.store.SymbolPackage(ctx, pv.ID); err == nil {
		return nil, symbolsExist(p.Name, pv.Version)
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	files, err := s.checkPDBs(ctx, p, pv, sp)
	if err != nil {
		return nil, err
	}
	return s.storeSymbols(ctx, key, p, pv, up, sp, files)
}

func symbolsExist(name string, v nuget.Version) error {
	return errorf(ErrConflict, "Symbols for %s %s were pushed already and, like the package, never change.", name, v)
}

// checkPDBs reads every PDB's ID and finds the assembly it belongs to in
// the version's .nupkg. It returns the files to store, in the order of
// sp.PDBs, their Blob names set.
func (s *Service) checkPDBs(ctx context.Context, p *Package, pv *PackageVersion, sp *nuget.SymbolPackage) ([]SymbolFile, error) {
	nupkg, size, done, err := s.openReaderAt(ctx, pv.BlobPrefix+"/"+nupkgName(keySafe(strings.ToLower(p.Name)), pv.Version.Lower()))
	if err != nil {
		return nil, err
	}
	defer done()
	entries, err := nuget.PackageEntries(nupkg, size)
	if err != nil {
		return nil, fmt.Errorf("read stored %s %s: %w", p.Name, pv.Version, err)
	}
	assemblies := map[string][]nuget.Entry{} // by lower-case path without extension
	for _, e := range entries {
		switch strings.ToLower(path.Ext(e.Path)) {
		case ".dll", ".exe", ".winmd":
			stem := strings.ToLower(strings.TrimSuffix(e.Path, path.Ext(e.Path)))
			assemblies[stem] = append(assemblies[stem], e)
		}
	}
	views := map[string][]pdb.CodeView{}
	files := make([]SymbolFile, 0, len(sp.PDBs))
	for i, e := range sp.PDBs {
		id, err := s.pdbID(e)
		if err != nil {
			return nil, err
		}
		stem := strings.ToLower(strings.TrimSuffix(e.Path, path.Ext(e.Path)))
		cands := assemblies[stem]
		if len(cands) == 0 {
			return nil, errorf(ErrInvalid, "'%s' has no assembly at the same path in %s %s's .nupkg: each PDB of a symbol package sits where its assembly sits (lib/net8.0/Foo.pdb for lib/net8.0/Foo.dll). Pack the .nupkg and .snupkg together.", e.Path, p.Name, pv.Version)
		}
		var named []string
		matched := false
		for _, a := range cands {
			cvs, ok := views[a.Path]
			if !ok {
				if cvs, err = s.codeViews(a); err != nil {
					return nil, err
				}
				views[a.Path] = cvs
			}
			for _, cv := range cvs {
				named = append(named, cv.ID.String())
				matched = matched || cv.ID == id
			}
		}
		if !matched {
			built := "names no PDB"
			if len(named) > 0 {
				built = "was built with PDB " + strings.Join(named, ", ")
			}
			return nil, errorf(ErrInvalid, "'%s' does not belong to '%s' in %s %s: the assembly %s, and this PDB is %s. Push the .snupkg made by the same build as the .nupkg.", e.Path, cands[0].Path, p.Name, pv.Version, built, id)
		}
		files = append(files, SymbolFile{Key: pdb.Key(path.Base(e.Path), id), Path: e.Path, Blob: fmt.Sprintf("%d.pdb", i), Size: int64(e.File.UncompressedSize64)})
	}
	return files, nil
}

// pdbID reads the ID of a PDB in a symbol package, refusing any but
// portable PDBs with a sentence.
func (s *Service) pdbID(e nuget.Entry) (pdb.ID, error) {
	var id pdb.ID
	err := s.withSpooled(e, func(r io.ReaderAt, size int64) error {
		var err error
		id, err = pdb.ReadID(r, size)
		return err
	})
	switch {
	case errors.Is(err, pdb.ErrWindowsPDB):
		return id, errorf(ErrInvalid, "'%s' is a Windows PDB; symbol packages carry portable PDBs only, which every .NET debugger reads. Build with <DebugType>portable</DebugType> (the default of SDK-style projects) and pack again.", e.Path)
	case errors.Is(err, pdb.ErrNotPDB):
		return id, errorf(ErrInvalid, "'%s' is not a portable PDB (%s); a symbol package carries the .pdb files the compiler wrote.", e.Path, strings.TrimPrefix(err.Error(), pdb.ErrNotPDB.Error()+": "))
	}
	return id, err
}

// codeViews reads an assembly's CodeView entries; an assembly that is not
// a PE image names no PDB.
func (s *Service) codeViews(e nuget.Entry) ([]pdb.CodeView, error) {
	var cvs []pdb.CodeView
	err := s.withSpooled(e, func(r io.ReaderAt, size int64) error {
		var err error
		cvs, err = pdb.CodeViews(r, size)
		return err
	})
	if errors.Is(err, pdb.ErrNotPE) {
		return nil, nil
	}
	return cvs, err
}

// storeSymbols writes the .snupkg and its PDBs under a fresh prefix, then
// commits their rows; on failure it removes what it wrote.
func (s *Service) storeSymbols(ctx context.Context, key *APIKey, p *Package, pv *PackageVersion, up Upload, sp *nuget.SymbolPackage, files []SymbolFile) (*PushedSymbols, error) {
	lowerID, lowerVer := keySafe(strings.ToLower(p.Name)), pv.Version.Lower()
	prefix, err := blobPrefix(lowerID, lowerVer)
	if err != nil {
		return nil, err
	}
	hash, err := sha512Of(up)
	if err != nil {
		return nil, err
	}
	snupkg := lowerID + "." + lowerVer + ".snupkg"
	written := []blobFile{{name: snupkg}}
	for _, f := range files {
		written = append(written, blobFile{name: f.Blob})
	}
	if err := s.writeFiles(ctx, prefix, []blobFile{{snupkg, io.NewSectionReader(up.R, 0, up.Size), up.Size}}); err != nil {
		return nil, err
	}
	for i, f := range files {
		rc, err := sp.PDBs[i].File.Open()
		if err == nil {
			err = s.writeFiles(ctx, prefix, []blobFile{{f.Blob, rc, f.Size}})
			rc.Close()
		}
		if err != nil {
			s.deleteFiles(prefix, written)
			return nil, err
		}
	}
	row := &SymbolPackage{VersionID: pv.ID, BlobPrefix: prefix, Size: up.Size, SHA512: hash, PushedBy: key.UserID, Created: s.now().UTC(), Files: files}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if err := s.store.InsertSymbols(cctx, key.OwnerID, row); err != nil {
		switch {
		case errors.Is(err, ErrConflict):
			s.deleteFiles(prefix, written)
			return nil, symbolsExist(p.Name, pv.Version)
		case errors.Is(err, ErrForbidden):
			s.deleteFiles(prefix, written)
			return nil, notOwner("push symbols for", p.Name)
		case errors.Is(err, ErrOutcomeUnknown):
			return nil, fmt.Errorf("push symbols %s %s (files kept under %s for the orphan sweep): %w", p.Name, pv.Version, prefix, err)
		}
		s.deleteFiles(prefix, written)
		return nil, fmt.Errorf("push symbols %s %s: %w", p.Name, pv.Version, err)
	}
	return &PushedSymbols{PackageName: p.Name, Version: pv.Version, PDBs: len(files)}, nil
}
