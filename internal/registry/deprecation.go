package registry

import (
	"context"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/wharf-registry/wharf/internal/nuget"
)

// The deprecation reasons, spelt as nuget.org writes them in the
// registration's deprecation object.
// https://learn.microsoft.com/nuget/api/registration-base-url-resource#package-deprecation
const (
	ReasonLegacy       = "Legacy"
	ReasonCriticalBugs = "CriticalBugs"
	ReasonOther        = "Other"
)

// MaxDeprecationMessage bounds a deprecation's message, as nuget.org's
// gallery does (ManageDeprecationJsonApiController: 1000 characters).
const MaxDeprecationMessage = 1000

// MaxDeprecateVersions bounds how many versions one request changes.
const MaxDeprecateVersions = 1000

// Deprecation is what an owner says about versions they deprecate. No
// reason at all means "not deprecated": setting it undeprecates.
type Deprecation struct {
	Legacy, CriticalBugs, Other bool
	Message                     string
	// AlternateID names the package to use instead ("" for none);
	// AlternateVersion, when set, the version of it ("" for any).
	AlternateID      string
	AlternateVersion string
}

// Deprecated reports whether d deprecates at all.
func (d Deprecation) Deprecated() bool { return d.Legacy || d.CriticalBugs || d.Other }

// wire checks d and turns it into the registration's deprecation object
// (nil to undeprecate). Errors: ErrInvalid with a sentence.
func (d Deprecation) wire(pkg string) (*nuget.Deprecation, error) {
	if !d.Deprecated() {
		if d.Message != "" || d.AlternateID != "" || d.AlternateVersion != "" {
			return nil, errorf(ErrInvalid, "Choose at least one reason to deprecate (legacy, critical bugs or other): a message or an alternate package alone deprecates nothing. To undeprecate, send no reason, message or alternate.")
		}
		return nil, nil
	}
	out := &nuget.Deprecation{Message: d.Message}
	for _, r := range []struct {
		on   bool
		name string
	}{{d.Legacy, ReasonLegacy}, {d.CriticalBugs, ReasonCriticalBugs}, {d.Other, ReasonOther}} {
		if r.on {
			out.Reasons = append(out.Reasons, r.name)
		}
	}
	if !utf8.ValidString(d.Message) || utf8.RuneCountInString(d.Message) > MaxDeprecationMessage {
		return nil, errorf(ErrInvalid, "The deprecation message is longer than %d characters (or not UTF-8 text). Shorten it.", MaxDeprecationMessage)
	}
	for _, line := range strings.Split(strings.ReplaceAll(d.Message, "\r\n", "\n"), "\n") {
		if err := checkText("deprecation message", line); err != nil {
			return nil, err
		}
	}
	if d.AlternateID == "" {
		if d.AlternateVersion != "" {
			return nil, errorf(ErrInvalid, "An alternate version needs an alternate package ID: name the package too.")
		}
		return out, nil
	}
	if err := nuget.ValidateDependencyID(d.AlternateID); err != nil {
		return nil, errorf(ErrInvalid, "The alternate package is not a valid package ID. %s", err.Error())
	}
	alt := &nuget.AlternatePackage{ID: d.AlternateID, Range: "*"}
	if d.AlternateVersion != "" {
		v, err := nuget.ParseVersion(d.AlternateVersion)
		if err != nil {
			return nil, errorf(ErrInvalid, "The alternate version is not a valid version. %s", err.Error())
		}
		// nuget.org writes a chosen alternate version as the range
		// "[version, )" and "any version" as "*".
		alt.Range = "[" + v.String() + ", )"
	} else if strings.EqualFold(d.AlternateID, pkg) {
		return nil, errorf(ErrInvalid, "A package cannot be its own alternate for any version: name a version of '%s', or another package.", pkg)
	}
	out.AlternatePackage = alt
	return out, nil
}

// DeprecationOf returns the deprecation clients see for a version: the
// one its owners set, else (for a version mirrored from upstream) its
// source's, else nil.
func DeprecationOf(v *PackageVersion) *nuget.Deprecation {
	if v.Deprecation != nil {
		return v.Deprecation
	}
	if v.Metadata != nil {
		return v.Metadata.Deprecation
	}
	return nil
}

// DeprecateAs deprecates (or, with no reason, undeprecates) versions of a
// package for a signed-in user with the rights to unlist them. Errors:
// ErrNotFound, ErrForbidden, ErrInvalid.
func (s *Service) DeprecateAs(ctx context.Context, actor *Account, id string, versions []string, d Deprecation) error {
	p, err := s.freshPackage(ctx, id)
	if err != nil {
		return err
	}
	r, as, err := s.packageRole(ctx, actor, p)
	if err != nil {
		return err
	}
	if r == roleNone {
		return errorf(ErrForbidden, "You do not own '%s' and do not belong to an organisation that does, so you cannot deprecate its versions.", p.Name)
	}
	return s.deprecate(ctx, p, versions, d, as, actor.ID, "")
}

// Deprecate is DeprecateAs for an API key with the push scope, as the
// deprecation API (PUT {publish}/{id}/deprecations) calls it. A package
// the key may not see is absent. Errors: ErrNotFound, ErrForbidden,
// ErrInvalid.
func (s *Service) Deprecate(ctx context.Context, key *APIKey, id string, versions []string, d Deprecation) error {
	if err := requirePush(key); err != nil {
		return err
	}
	p, err := s.freshPackage(ctx, id)
	if errors.Is(err, ErrNotFound) || err == nil && !s.keySees(ctx, key, p) {
		return errorf(ErrNotFound, "There is no package '%s' on this feed.", EscapeText(id))
	}
	if err != nil {
		return err
	}
	if _, err := s.authorizeID(ctx, key, p.Name, "deprecate"); err != nil {
		return err
	}
	return s.deprecate(ctx, p, versions, d, key.OwnerID, key.UserID, "key "+key.Hint+"…")
}

// DeprecateByOperator is Deprecate for the operator's command line,
// which may change any local package. Errors: ErrNotFound, ErrInvalid.
func (s *Service) DeprecateByOperator(ctx context.Context, id string, versions []string, d Deprecation) error {
	p, err := s.freshPackage(ctx, id)
	if err != nil {
		return err
	}
	return s.deprecate(ctx, p, versions, d, 0, 0, "the operator")
}

// deprecate checks the request and stores it for ownerID (0: the
// operator), then audits it.
func (s *Service) deprecate(ctx context.Context, p *Package, versions []string, d Deprecation, ownerID, actorID int64, via string) error {
	if p.UpstreamCheckedAt != nil {
		return errorf(ErrForbidden, "'%s' is mirrored from an upstream source, which decides its deprecation; Wharf shows what the source says.", p.Name)
	}
	dep, err := d.wire(p.Name)
	if err != nil {
		return err
	}
	if len(versions) == 0 {
		return errorf(ErrInvalid, "Name at least one version of '%s' to deprecate or undeprecate.", p.Name)
	}
	if len(versions) > MaxDeprecateVersions {
		return errorf(ErrInvalid, "One request may change at most %d versions; this one names %d. Split it.", MaxDeprecateVersions, len(versions))
	}
	var lower []string
	for _, raw := range versions {
		v, err := nuget.ParseVersion(strings.TrimSpace(raw))
		var pv *PackageVersion
		if err == nil {
			pv = p.Find(v)
		}
		if pv == nil {
			return errorf(ErrNotFound, "There is no version '%s' of '%s' on this feed.", EscapeText(raw), p.Name)
		}
		if !slices.Contains(lower, pv.Version.Lower()) {
			lower = append(lower, pv.Version.Lower())
		}
	}
	lowerID := strings.ToLower(p.Name)
	if err := s.store.SetDeprecation(ctx, lowerID, lower, ownerID, dep, s.now()); err != nil {
		if errors.Is(err, ErrForbidden) {
			return errorf(ErrForbidden, "You no longer own '%s'.", p.Name)
		}
		return notFound(err, "There is no package '%s' on this feed.", p.Name)
	}
	kind, msg := "version.undeprecate", ""
	if dep != nil {
		kind, msg = "version.deprecate", strings.Join(dep.Reasons, ",")
	}
	if via != "" {
		msg = strings.TrimPrefix(msg+" by "+via, " ")
	}
	s.audit(ctx, &AuditEvent{Kind: kind, Outcome: "done", ActorID: actorID, Subject: p.Name + " " + strings.Join(lower, ","), Message: msg})
	_, err = s.cat.reload(ctx, lowerID)
	s.PackageChanged(ctx, lowerID) // the static copy's registration shows the deprecation
	return err
}
