package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/wharf-registry/wharf/internal/storage"
)

// fileKey finds a version and the storage key of one of its files.
// Errors: ErrNotFound (no such version, or no such file).
func (s *Service) fileKey(ctx context.Context, id, version string, f File) (*Package, *PackageVersion, string, error) {
	p, pv, err := s.Version(ctx, id, version)
	if err != nil {
		return nil, nil, "", err
	}
	name, err := fileName(p.Name, pv, f)
	if err != nil {
		return nil, nil, "", err
	}
	return p, pv, pv.BlobPrefix + "/" + name, nil
}

// fileName returns the name of one of a version's files under its blob
// prefix. Errors: ErrNotFound (the version has no such file).
func fileName(pkgName string, pv *PackageVersion, f File) (string, error) {
	lower := strings.ToLower(pkgName)
	switch f {
	case FileNupkg:
		return nupkgName(lower, pv.Version.Lower()), nil
	case FileNuspec:
		return lower + ".nuspec", nil
	case FileReadme:
		if !pv.Metadata.HasReadme {
			return "", errorf(ErrNotFound, "%s %s has no README.", pkgName, pv.Version)
		}
		return fileReadme, nil
	case FileIcon:
		if pv.Metadata.IconType == "" {
			return "", errorf(ErrNotFound, "%s %s has no embedded icon.", pkgName, pv.Version)
		}
		return fileIcon, nil
	case FileLicense:
		if pv.Metadata.LicenseFile == "" {
			return "", errorf(ErrNotFound, "%s %s has no license file.", pkgName, pv.Version)
		}
		return fileLicense, nil
	}
	return "", fmt.Errorf("open file: unknown file %d", f)
}

// versionFiles returns the storage keys of every file a version has.
func versionFiles(pkgName string, pv *PackageVersion) []string {
	var keys []string
	for _, f := range []File{FileNupkg, FileNuspec, FileReadme, FileIcon, FileLicense} {
		if name, err := fileName(pkgName, pv, f); err == nil {
			keys = append(keys, pv.BlobPrefix+"/"+name)
		}
	}
	return keys
}

// OpenFile opens one of a version's stored files. Opening the .nupkg counts
// a download. Errors: ErrNotFound (no such version, or no such file).
func (s *Service) OpenFile(ctx context.Context, id, version string, f File) (storage.Blob, *PackageVersion, error) {
	p, pv, key, err := s.fileKey(ctx, id, version, f)
	if err != nil {
		return nil, nil, err
	}
	b, err := s.blobs.Open(ctx, key)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil, fmt.Errorf("open %s %s %s: the database lists it but storage lacks it: %w", p.Name, pv.Version, key, err)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("open %s %s %s: %w", p.Name, pv.Version, key, err)
	}
	if f == FileNupkg {
		s.downloads.add(pv.ID)
	}
	return b, pv, nil
}

// PresignedNupkg returns a short-lived URL from which the client may
// download a version's .nupkg straight from the package store, and counts
// the download; "" when the store does not hand out such URLs (the caller
// then streams it with OpenFile). Errors: ErrNotFound.
func (s *Service) PresignedNupkg(ctx context.Context, id, version string) (string, error) {
	ps, ok := s.blobs.(storage.Presigner)
	if !ok {
		return "", nil
	}
	p, pv, key, err := s.fileKey(ctx, id, version, FileNupkg)
	if err != nil {
		return "", err
	}
	u, err := ps.PresignedURL(ctx, key)
	if err != nil {
		return "", fmt.Errorf("presign %s %s: %w", p.Name, pv.Version, err)
	}
	if u != "" {
		s.downloads.add(pv.ID)
	}
	return u, nil
}
