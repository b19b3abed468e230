package registry

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/storage"
)

// Upload is a .nupkg the caller has spooled: random access over Size bytes.
type Upload struct {
	R    io.ReaderAt
	Size int64
}

// The files stored for each version under its blob prefix, beside
// {lowerid}.{lowerversion}.nupkg and {lowerid}.nuspec (see storage's layout).
const (
	fileReadme  = "readme.md"
	fileIcon    = "icon"
	fileLicense = "license.txt"
)

// Pushed describes a version that a push created.
type Pushed struct {
	PackageName string
	Version     *PackageVersion
	// Held is set when the provenance guard held the version instead of
	// adding it to the feed (see held_model.go).
	Held *HeldVersion
}

// Push validates a package and adds it to the feed, atomically: every file is
// written and checked before the version's row commits, and a failure at any
// point leaves neither a visible version nor anything that blocks a retry.
// Errors: ErrInvalid (bad package, with the reason), ErrTooLarge,
// ErrForbidden (the key may not push this ID), ErrConflict (the version
// exists), ErrStorageFull and ErrUnavailable (storage refused the write,
// or the database is busy or unreachable).
func (s *Service) Push(ctx context.Context, key *APIKey, up Upload) (*Pushed, error) {
	if up.Size > s.maxSize {
		return nil, s.tooLarge()
	}
	pkg, err := nuget.OpenPackage(up.R, up.Size, s.limits)
	if err != nil {
		var ve *nuget.ValidationError
		if errors.As(err, &ve) {
			return nil, errorf(ErrInvalid, "%s", ve.Error())
		}
		if errors.Is(err, nuget.ErrTooLarge) {
			return nil, errorf(ErrInvalid, "%s", err.Error())
		}
		return nil, fmt.Errorf("open package: %w", err)
	}
	m := pkg.Manifest
	if err := pushRules(m); err != nil {
		return nil, err
	}
	lowerID, lowerVer := strings.ToLower(m.ID), m.Version.Lower()
	if err := requirePush(key); err != nil { // before anything about the ID is looked up
		return nil, err
	}
	existing, err := s.authorizeID(ctx, key, m.ID, "push")
	if err != nil {
		return nil, err
	}
	feedID, err := s.pushFeed(ctx, key, m.ID, existing)
	if err != nil {
		return nil, err
	}
	if err := s.requireTrusted(ctx, key, m.ID, existing); err != nil {
		return nil, err
	}
	// From the database, not this process's cache, which may still hold
	// a version another replica deleted a moment ago.
	if err := s.refuseTombstoned(ctx, key.OwnerID, m.ID, lowerVer, existing); err != nil {
		return nil, err
	}
	if existing != nil && existing.Find(m.Version) != nil {
		return nil, s.duplicate(existing.Name, m.Version)
	}
	if err := s.refuseHeldCoordinates(ctx, m.ID, m.Version); err != nil {
		return nil, err
	}

	hash, err := sha512Of(up)
	if err != nil {
		return nil, err
	}
	prefix, err := blobPrefix(lowerID, lowerVer)
	if err != nil {
		return nil, err
	}
	v := &PackageVersion{
		Version: m.Version, OriginalVersion: m.OriginalVersion, Listed: true,
		Published: s.now().UTC(), Size: up.Size, SHA512: hash, BlobPrefix: prefix,
		PushedBy: key.UserID, Metadata: metadataOf(pkg), Provenance: key.Provenance,
	}
	files := []blobFile{
		{nupkgName(lowerID, lowerVer), io.NewSectionReader(up.R, 0, up.Size), up.Size},
		{lowerID + ".nuspec", bytes.NewReader(pkg.Nuspec), int64(len(pkg.Nuspec))},
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{fileReadme, pkg.Readme}, {fileIcon, pkg.Icon}, {fileLicense, pkg.LicenseFile}} {
		if f.data != nil {
			files = append(files, blobFile{f.name, bytes.NewReader(f.data), int64(len(f.data))})
		}
	}
	if err := s.writeFiles(ctx, prefix, files); err != nil {
		return nil, err
	}
	if changes, est, estV := guard(key, existing); len(changes) > 0 {
		h, err := s.hold(ctx, key, existing, v, changes, est, estV)
		if err != nil {
			s.deleteFiles(prefix, files)
			if taken := s.versionTaken(err, existing.Name, m.Version); taken != nil {
				return nil, taken
			}
			return nil, fmt.Errorf("hold %s %s: %w", m.ID, m.Version, err)
		}
		return &Pushed{PackageName: existing.Name, Version: v, Held: h}, nil
	}
	if err := s.commitVersion(ctx, m.ID, key.OwnerID, feedID, v); err != nil {
		var gone *TombstonedError
		switch {
		case errors.As(err, &gone):
			s.deleteFiles(prefix, files)
			return nil, deletedRefusal(gone.Tombstone)
		case errors.Is(err, ErrConflict):
			s.deleteFiles(prefix, files)
			return nil, s.duplicate(m.ID, m.Version)
		case errors.Is(err, ErrForbidden):
			s.deleteFiles(prefix, files)
			return nil, notOwner("push", m.ID)
		case errors.Is(err, ErrOutcomeUnknown):
			// The database may have committed before it stopped answering:
			// keep the files such a row needs. SweepOrphans removes them if
			// no version uses them; under their fresh prefix they never
			// stand in the way of a retry.
			return nil, fmt.Errorf("push %s %s (files kept under %s for the orphan sweep): %w", m.ID, m.Version, prefix, err)
		default:
			s.deleteFiles(prefix, files)
		}
		return nil, fmt.Errorf("push %s %s: %w", m.ID, m.Version, err)
	}
	e, err := s.cat.reload(ctx, lowerID)
	s.PackageChanged(ctx, lowerID)
	if err != nil || e.pkg == nil {
		return &Pushed{PackageName: m.ID, Version: v}, nil
	}
	return &Pushed{PackageName: e.pkg.Name, Version: v}, nil
}

// versionTaken is a store's refusal of a version's number as people read
// it: deleted before (its tombstone's sentence) or there already (a
// duplicate); nil for any other error.
func (s *Service) versionTaken(err error, id string, version nuget.Version) error {
	var gone *TombstonedError
	switch {
	case errors.As(err, &gone):
		return deletedRefusal(gone.Tombstone)
	case errors.Is(err, ErrConflict):
		return s.duplicate(id, version)
	}
	return nil
}

// commitVersion inserts the version's row once its files are stored. The
// commit is not cancelled when the client goes away: files are in place,
// and a commit cut short could not tell whether it happened.
func (s *Service) commitVersion(ctx context.Context, name string, ownerID, feedID int64, v *PackageVersion) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	return s.store.InsertVersion(ctx, name, ownerID, feedID, v)
}

// authorizeID checks that key may act on package id: the ID matches the
// key's globs, a push does not create an ID under another account's
// reserved prefix (checkPrefix), and, when the package exists, the key's
// owner owns it. The
// action ("push", "unlist", "relist") names what was refused. It returns
// the package's cached snapshot, nil for a new ID.
func (s *Service) authorizeID(ctx context.Context, key *APIKey, id, action string) (*Package, error) {
	if key.OwnerID != key.UserID {
		ok, err := s.canActFor(ctx, key.UserID, key.OwnerID, false)
		if err != nil {
			return nil, err
		}
		if !ok {
			owner, _ := s.store.AccountByID(ctx, key.OwnerID)
			name := "its owner"
			if owner != nil {
				name = "'" + owner.Name + "'"
			}
			return nil, errorf(ErrForbidden, "The API key %s… may no longer publish for %s: its user is not a member any more.", key.Hint, name)
		}
	}
	if !matchGlobs(key.Globs, id) {
		return nil, errorf(ErrForbidden, "The API key %s… is limited to packages matching '%s'; '%s' does not match.", key.Hint, strings.Join(key.Globs, "', '"), id)
	}
	e, err := s.cat.get(ctx, strings.ToLower(id))
	if err != nil {
		return nil, err
	}
	if action == "push" || action == "stage" {
		if err := s.checkPrefix(ctx, key, id, e.pkg); err != nil {
			return nil, err
		}
	}
	if e.pkg != nil && e.pkg.UpstreamCheckedAt != nil || e.pkg == nil && (action == "push" || action == "stage") && s.upstreamHas(ctx, id) {
		return nil, errorf(ErrForbidden, "'%s' comes from an upstream source of this registry: a package pushed under its ID would replace the upstream one for everyone who restores through Wharf. Choose another ID, or ask an administrator to reserve the ID's prefix for your organisation (wharf prefix reserve).", id)
	}
	if e.pkg != nil && !e.pkg.OwnedBy(key.OwnerID) {
		// The ID as the caller wrote it: a private package's own spelling
		// is not theirs to learn. (That the ID is taken is what any
		// registry of unique IDs must say.)
		return nil, notOwner(action, id)
	}
	return e.pkg, nil
}

// notOwner refuses an action on a package that other owners own.
func notOwner(action, name string) error {
	return errorf(ErrForbidden, "The API key may not %s '%s': that package belongs to other owners. Ask an owner to add you.", action, name)
}

func (s *Service) duplicate(name string, v nuget.Version) error {
	return errorf(ErrConflict, "%s %s already exists and a published version never changes. Push a new version number.", name, v)
}

func (s *Service) tooLarge() error {
	return errorf(ErrTooLarge, "The package is larger than this feed's limit of %s.", SizeText(s.maxSize))
}

// blobFile is one file of a push to store.
type blobFile struct {
	name string
	r    io.Reader
	size int64
}

// writeFiles stores every file under prefix and checks its size; on failure
// it removes what it wrote.
func (s *Service) writeFiles(ctx context.Context, prefix string, files []blobFile) error {
	for _, f := range files {
		key := prefix + "/" + f.name
		err := s.blobs.Put(ctx, key, f.r, f.size)
		if err == nil {
			var info storage.Info
			if info, err = s.blobs.Stat(ctx, key); err == nil && info.Size != f.size {
				err = fmt.Errorf("stored %s has %d bytes, want %d", key, info.Size, f.size)
			}
		}
		if err != nil {
			s.deleteFiles(prefix, files)
			return storageError(err)
		}
	}
	return nil
}

// deleteFiles removes a push's files, even when the request's context has
// ended; deleting a file never written is harmless.
func (s *Service) deleteFiles(prefix string, files []blobFile) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, f := range files {
		if err := s.blobs.Delete(ctx, prefix+"/"+f.name); err != nil {
			s.log.Warn("removing blob after failed push", "key", prefix+"/"+f.name, "err", err)
		}
	}
}

// storageError maps blob-store failures to error kinds.
func storageError(err error) error {
	switch {
	case errors.Is(err, storage.ErrInsufficientStorage):
		return &Error{Kind: ErrStorageFull, Message: "The feed's storage is full; nothing was saved. Ask the operator to free space, then push again."}
	case errors.Is(err, storage.ErrReadOnly):
		return &Error{Kind: ErrUnavailable, Message: "The feed's storage is read-only; nothing was saved. Ask the operator to check it, then push again."}
	}
	return fmt.Errorf("store package files: %w", err)
}

// blobPrefix returns a fresh storage prefix for one upload of a version.
func blobPrefix(lowerID, lowerVer string) (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return fmt.Sprintf("packages/%s/%s/%s", lowerID, lowerVer, hex.EncodeToString(b)), nil
}

func nupkgName(lowerID, lowerVer string) string { return lowerID + "." + lowerVer + ".nupkg" }

func sha512Of(up Upload) (string, error) {
	h := sha512.New()
	if _, err := io.Copy(h, io.NewSectionReader(up.R, 0, up.Size)); err != nil {
		return "", fmt.Errorf("hash package: %w", err)
	}
	return base64.StdEncoding.EncodeToString(h.Sum(nil)), nil
}

// metadataOf keeps what the feed shows of a package's manifest.
func metadataOf(p *nuget.Package) *Metadata {
	m := p.Manifest
	md := Metadata{
		Title: m.Title, Description: m.Description, Summary: m.Summary, ReleaseNotes: m.ReleaseNotes,
		Authors: m.Authors, Copyright: m.Copyright, Language: m.Language, Tags: strings.Fields(m.Tags),
		ProjectURL: m.ProjectURL, IconURL: m.IconURL, LicenseURL: m.LicenseURL,
		RequireLicenseAcceptance: m.RequireLicenseAcceptance, DevelopmentDependency: m.DevelopmentDependency,
		MinClientVersion: m.MinClientVersion, DependencyGroups: m.DependencyGroups,
		HasReadme: p.Readme != nil, IconType: p.IconContentType,
	}
	if m.License != nil {
		switch m.License.Type {
		case "expression":
			md.LicenseExpression = m.License.Value
		case "file":
			md.LicenseFile = m.License.Value
		}
	}
	if m.Repository != nil {
		md.RepositoryType, md.RepositoryURL, md.RepositoryCommit = m.Repository.Type, m.Repository.URL, m.Repository.Commit
	}
	for _, g := range m.DependencyGroups {
		for _, d := range g.Dependencies {
			if r, err := nuget.ParseRange(d.Range); err == nil && r.IsSemVer2() {
				md.SemVer2Dependencies = true
			}
		}
	}
	for _, t := range m.PackageTypes {
		md.PackageTypes = append(md.PackageTypes, t.Name)
	}
	return &md
}

// SizeText writes a byte count the way people read limits: "250 MB",
// "512 KB", "1.5 GB".
func SizeText(n int64) string {
	switch {
	case n >= 1<<30:
		return trimZero(float64(n)/(1<<30)) + " GB"
	case n >= 1<<20:
		return trimZero(float64(n)/(1<<20)) + " MB"
	case n >= 1<<10:
		return trimZero(float64(n)/(1<<10)) + " KB"
	}
	return fmt.Sprintf("%d bytes", n)
}

func trimZero(f float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.1f", f), "0"), ".")
}
