package registry

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget"
)

// AdvisorySource tells who published an advisory.
type AdvisorySource string

// The advisory sources.
const (
	// SourceLocal advisories are published by a package's owners or an
	// administrator, for one package; they are visible only to those who
	// can read that package.
	SourceLocal AdvisorySource = "local"
	// SourceImport advisories come from an administrator's import of a
	// public database (OSV, GitHub Advisory Database); they are public.
	SourceImport AdvisorySource = "import"
)

// Severity is an advisory's severity as NuGet writes it: 0 low, 1
// moderate, 2 high, 3 critical.
// https://learn.microsoft.com/nuget/api/vulnerability-info#vulnerability-data
type Severity int

// The severities.
const (
	SeverityLow Severity = iota
	SeverityModerate
	SeverityHigh
	SeverityCritical
)

// String names the severity in words.
func (s Severity) String() string {
	switch s {
	case SeverityLow:
		return "low"
	case SeverityModerate:
		return "moderate"
	case SeverityHigh:
		return "high"
	case SeverityCritical:
		return "critical"
	}
	return "unknown"
}

// ParseSeverity reads a severity in words (low, moderate or medium,
// high, critical; any case) or as NuGet's number 0–3. Errors: ErrInvalid.
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "low", "0":
		return SeverityLow, nil
	case "moderate", "medium", "1":
		return SeverityModerate, nil
	case "high", "2":
		return SeverityHigh, nil
	case "critical", "3":
		return SeverityCritical, nil
	}
	return 0, errorf(ErrInvalid, "'%s' is not a severity: write low, moderate, high or critical.", EscapeText(s))
}

// Advisory is a security advisory: an ID (a GHSA or CVE ID, or the
// owner's own), where to read about it, how severe it is, and the
// version ranges of the packages it affects.
type Advisory struct {
	ID         int64
	AdvisoryID string // as written, e.g. "GHSA-xxxx-xxxx-xxxx"
	Source     AdvisorySource
	Scope      string // the lowercased package ID of a local advisory; "" for imported ones
	URL        string
	Severity   Severity
	Summary    string
	Modified   time.Time // when its source last changed it; imports replace older ones only
	CreatedBy  int64     // the user who published a local advisory; 0 for the operator and imports
	CreatedAt  time.Time
	Affected   []Affected
}

// Affected is one vulnerable version range of one package.
type Affected struct {
	PackageID string // lowercased
	Versions  string // a NuGet version range, normalized
}

// Limits on advisories, so that one cannot make the vulnerability
// documents or the registration unbounded.
const (
	MaxAdvisoryID       = 100
	MaxAdvisoryURL      = 2000
	MaxAdvisorySummary  = 1000
	MaxAffectedRanges   = 200
	MaxAdvisoriesPerPkg = 1000
)

// check validates what a person or an import wrote. Errors: ErrInvalid.
func (a *Advisory) check() error {
	if a.AdvisoryID == "" || len(a.AdvisoryID) > MaxAdvisoryID {
		return errorf(ErrInvalid, "An advisory needs an ID of 1 to %d characters, such as GHSA-xxxx-xxxx-xxxx or CVE-2026-12345.", MaxAdvisoryID)
	}
	for _, r := range a.AdvisoryID {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' || r == ':') {
			return errorf(ErrInvalid, "The advisory ID '%s' may only use letters, digits, '-', '_', '.' and ':'.", EscapeText(a.AdvisoryID))
		}
	}
	if err := checkAdvisoryURL(a.URL); err != nil {
		return err
	}
	if a.Severity < SeverityLow || a.Severity > SeverityCritical {
		return errorf(ErrInvalid, "The severity must be low, moderate, high or critical.")
	}
	if len(a.Summary) > MaxAdvisorySummary {
		a.Summary = a.Summary[:MaxAdvisorySummary]
	}
	a.Summary = EscapeText(a.Summary)
	if len(a.Affected) == 0 {
		return errorf(ErrInvalid, "Advisory %s names no affected package and version range.", a.AdvisoryID)
	}
	if len(a.Affected) > MaxAffectedRanges {
		return errorf(ErrInvalid, "Advisory %s names %d version ranges; at most %d are kept per advisory.", a.AdvisoryID, len(a.Affected), MaxAffectedRanges)
	}
	for i, f := range a.Affected {
		if nuget.ValidateDependencyID(f.PackageID) != nil {
			return errorf(ErrInvalid, "Advisory %s names '%s', which is not a valid package ID.", a.AdvisoryID, EscapeText(f.PackageID))
		}
		r, err := nuget.ParseRange(f.Versions)
		if err != nil {
			return errorf(ErrInvalid, "The affected versions of advisory %s are not a version range. %s", a.AdvisoryID, err.Error())
		}
		a.Affected[i] = Affected{PackageID: strings.ToLower(f.PackageID), Versions: r.String()}
	}
	return nil
}

// checkAdvisoryURL accepts an absolute http(s) URL without credentials.
func checkAdvisoryURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || len(raw) > MaxAdvisoryURL || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return errorf(ErrInvalid, "The advisory URL must be an absolute http or https address of at most %d characters, such as https://github.com/advisories/GHSA-xxxx-xxxx-xxxx.", MaxAdvisoryURL)
	}
	if err := checkText("advisory URL", raw); err != nil {
		return err
	}
	return nil
}

// Vulnerabilities returns the registration's vulnerabilities of a
// version: every advisory with a range that contains it, then (for a
// version mirrored from upstream) those its source lists, each URL once.
// Severity is written as a string, "0" to "3", as nuget.org does.
// https://learn.microsoft.com/nuget/api/registration-base-url-resource#vulnerabilities
func (p *Package) Vulnerabilities(v *PackageVersion) []nuget.Vulnerability {
	var out []nuget.Vulnerability
	seen := map[string]bool{}
	for _, a := range p.Advisories {
		for _, f := range a.Affected {
			r, err := nuget.ParseRange(f.Versions)
			if err != nil || !r.Contains(v.Version) || seen[a.URL] {
				continue
			}
			seen[a.URL] = true
			out = append(out, nuget.Vulnerability{AdvisoryURL: a.URL, Severity: strconv.Itoa(int(a.Severity))})
		}
	}
	if v.Metadata != nil {
		for _, x := range v.Metadata.Vulnerabilities {
			if !seen[x.AdvisoryURL] {
				seen[x.AdvisoryURL] = true
				out = append(out, x)
			}
		}
	}
	return out
}

// AdvisoryInput is what an owner or the operator writes to publish an
// advisory for one package.
type AdvisoryInput struct {
	AdvisoryID string
	Severity   string // words or 0–3 (ParseSeverity)
	URL        string
	Versions   string // the vulnerable range, NuGet syntax: "(, 1.2.3)", "[1.0.0, 1.2.3)"
	Summary    string
}

// PublishAdvisoryAs publishes (or, with the same ID, replaces) an
// advisory for a package, for a signed-in user who may unlist its
// versions or a registry administrator. Errors: ErrNotFound,
// ErrForbidden, ErrInvalid.
func (s *Service) PublishAdvisoryAs(ctx context.Context, actor *Account, id string, in AdvisoryInput) error {
	p, err := s.mayChangeAdvisories(ctx, actor, id)
	if err != nil {
		return err
	}
	return s.publishAdvisory(ctx, p, in, actor.ID)
}

// PublishAdvisory is PublishAdvisoryAs for the operator's command line.
func (s *Service) PublishAdvisory(ctx context.Context, id string, in AdvisoryInput) error {
	p, err := s.freshPackage(ctx, id)
	if err != nil {
		return err
	}
	return s.publishAdvisory(ctx, p, in, 0)
}

func (s *Service) publishAdvisory(ctx context.Context, p *Package, in AdvisoryInput, actorID int64) error {
	sev, err := ParseSeverity(in.Severity)
	if err != nil {
		return err
	}
	if err := checkText("advisory summary", in.Summary); err != nil {
		return err
	}
	lower := strings.ToLower(p.Name)
	now := s.now()
	a := &Advisory{
		AdvisoryID: strings.TrimSpace(in.AdvisoryID), Source: SourceLocal, Scope: lower, URL: strings.TrimSpace(in.URL),
		Severity: sev, Summary: in.Summary, Modified: now, CreatedBy: actorID, CreatedAt: now,
		Affected: []Affected{{PackageID: lower, Versions: strings.TrimSpace(in.Versions)}},
	}
	if err := a.check(); err != nil {
		return err
	}
	if len(p.Advisories) >= MaxAdvisoriesPerPkg {
		return errorf(ErrInvalid, "'%s' has %d advisories already, the most one package may have. Remove old ones first.", p.Name, len(p.Advisories))
	}
	if _, err := s.store.SaveAdvisory(ctx, a, now); err != nil {
		return err
	}
	s.advisories.invalidate()
	s.audit(ctx, &AuditEvent{Kind: "advisory.publish", Outcome: "done", ActorID: actorID, Subject: p.Name,
		Message: a.AdvisoryID + " " + a.Severity.String() + " " + a.Affected[0].Versions})
	_, err = s.cat.reload(ctx, lower)
	s.PackageChanged(ctx, lower) // the static copy's registration lists the advisory
	return err
}

// RemoveAdvisoryAs removes a package's local advisory, for a user who may
// publish one. Errors: ErrNotFound, ErrForbidden.
func (s *Service) RemoveAdvisoryAs(ctx context.Context, actor *Account, id, advisoryID string) error {
	p, err := s.mayChangeAdvisories(ctx, actor, id)
	if err != nil {
		return err
	}
	return s.removeAdvisory(ctx, p, advisoryID, actor.ID)
}

// RemoveAdvisory is RemoveAdvisoryAs for the operator's command line.
func (s *Service) RemoveAdvisory(ctx context.Context, id, advisoryID string) error {
	p, err := s.freshPackage(ctx, id)
	if err != nil {
		return err
	}
	return s.removeAdvisory(ctx, p, advisoryID, 0)
}

func (s *Service) removeAdvisory(ctx context.Context, p *Package, advisoryID string, actorID int64) error {
	lower := strings.ToLower(p.Name)
	if err := s.store.DeleteAdvisory(ctx, SourceLocal, lower, strings.ToLower(advisoryID), s.now()); err != nil {
		return notFound(err, "'%s' has no advisory '%s' published on this registry.", p.Name, EscapeText(advisoryID))
	}
	s.advisories.invalidate()
	s.audit(ctx, &AuditEvent{Kind: "advisory.remove", Outcome: "done", ActorID: actorID, Subject: p.Name, Message: EscapeText(advisoryID)})
	_, err := s.cat.reload(ctx, lower)
	s.PackageChanged(ctx, lower)
	return err
}

// mayChangeAdvisories loads a local package the actor may publish
// advisories for: its owners and members of owning organisations, and
// registry administrators. Errors: ErrNotFound, ErrForbidden.
func (s *Service) mayChangeAdvisories(ctx context.Context, actor *Account, id string) (*Package, error) {
	p, err := s.freshPackage(ctx, id)
	if err != nil {
		return nil, err
	}
	if actor == nil {
		return nil, errorf(ErrForbidden, "Sign in to publish advisories.")
	}
	if !actor.IsAdmin {
		r, _, err := s.packageRole(ctx, actor, p)
		if err != nil {
			return nil, err
		}
		if r == roleNone {
			return nil, errorf(ErrForbidden, "You do not own '%s' and do not belong to an organisation that does, so you cannot publish advisories for it.", p.Name)
		}
	}
	return p, nil
}

// ListAdvisories lists the advisories stored for a package ID (any case),
// or every advisory with id "", for the operator.
func (s *Service) ListAdvisories(ctx context.Context, id string) ([]Advisory, error) {
	return s.store.Advisories(ctx, strings.ToLower(id))
}
