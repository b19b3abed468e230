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
	var name string
	switch f {
	case FileNupkg:
		name = nupkgName(strings.ToLower(p.Name), pv.Version.Lower())
	case FileNuspec:
		name = strings.ToLower(p.Name) + ".nuspec"
	case FileReadme:
		if !pv.Metadata.HasReadme {
			return nil, nil, "", errorf(ErrNotFound, "%s %s has no README.", p.Name, pv.Version)
		}
		name = fileReadme
	case FileIcon:
		if pv.Metadata.IconType == "" {
			return nil, nil, "", errorf(ErrNotFound, "%s %s has no embedded icon.", p.Name, pv.Version)
		}
		name = fileIcon
	case FileLicense:
		if pv.Metadata.LicenseFile == "" {
			return nil, nil, "", errorf(ErrNotFound, "%s %s has no license file.", p.Name, pv.Version)
		}
		name = fileLicense
	default:
		return nil, nil, "", fmt.Errorf("open file: unknown file %d", f)
	}
	return p, pv, pv.BlobPrefix + "/" + name, nil
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
