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
	if pv.UpstreamContentURL != "" && s.mirror != nil {
		if pv.BlobPrefix == "" && s.recheck(ctx) {
			// Another process (a replica, `wharf upstream pull`) may
			// have stored the files since this snapshot: one revision
			// query before asking the upstream, which may be gone.
			if p, pv, err = s.Version(ctx, id, version); err != nil {
				return nil, nil, "", err
			}
		}
		if pv.BlobPrefix != "" {
			s.mirror.hits.Add(1)
		} else if p, pv, err = s.mirrorFiles(ctx, p, pv); err != nil {
			return nil, nil, "", err
		}
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
	lower := keySafe(strings.ToLower(pkgName))
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

// OpenFile opens one of a version's stored files. It counts nothing: the
// caller knows whether the file was downloaded (see CountDownload).
// Errors: ErrNotFound (no such version, or no such file).
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
	return b, pv, nil
}

// CountDownload counts one download of pv's .nupkg. What a download is is
// the caller's to decide: the web server counts a GET of the whole file
// answered 200 whose body was sent completely, or redirected to the store.
// Counts are buffered and written by Flush.
func (s *Service) CountDownload(pv *PackageVersion) { s.downloads.add(pv.ID) }

// PresignedNupkg returns a short-lived URL from which the client may
// download a version's .nupkg straight from the package store, and the
// version; "" when the store does not hand out such URLs (the caller then
// streams it with OpenFile). It counts nothing (see CountDownload).
// Errors: ErrNotFound.
func (s *Service) PresignedNupkg(ctx context.Context, id, version string) (string, *PackageVersion, error) {
	ps, ok := s.blobs.(storage.Presigner)
	if !ok {
		return "", nil, nil
	}
	p, pv, key, err := s.fileKey(ctx, id, version, FileNupkg)
	if err != nil {
		return "", nil, err
	}
	u, err := ps.PresignedURL(ctx, key)
	if err != nil {
		return "", nil, fmt.Errorf("presign %s %s: %w", p.Name, pv.Version, err)
	}
	return u, pv, nil
}
