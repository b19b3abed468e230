package feeds

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"
	"time"
)

// Upstream makes a feed a mirror of another NuGet v3 source: its packages
// come from the source on first request and are kept (see
// docs/design/upstreams.md). A feed without one is local.
type Upstream struct {
	// IndexURL is the source's service index, e.g.
	// https://api.nuget.org/v3/index.json.
	IndexURL string
	// Username and Password are sent as HTTP Basic to the source's host.
	// The password must be stored as given, since Wharf sends it; it is
	// never shown, logged or echoed.
	Username string
	Password string
	// Allow lists ID globs the feed mirrors (empty: every ID); Deny lists
	// ID globs it never mirrors, whatever Allow says.
	Allow []string
	Deny  []string
	// MinAge holds back versions published less than this long ago.
	MinAge time.Duration
	// Refresh is how long a mirrored versions list is used before the
	// source is asked again (0: DefaultRefresh).
	Refresh time.Duration
}

// DefaultRefresh is how long a mirrored versions list is used before the
// source is asked again, unless the feed says otherwise.
const DefaultRefresh = 30 * time.Minute

// RefreshEvery is the feed's refresh interval with the default applied.
func (u *Upstream) RefreshEvery() time.Duration {
	if u.Refresh <= 0 {
		return DefaultRefresh
	}
	return u.Refresh
}

// Admits reports whether the feed mirrors the package ID: no deny glob
// matches it and, when there are allow globs, one does. Globs compare
// case-insensitively; '*' matches any run of characters.
func (u *Upstream) Admits(id string) bool {
	lower := strings.ToLower(id)
	for _, g := range u.Deny {
		if globMatch(g, lower) {
			return false
		}
	}
	if len(u.Allow) == 0 {
		return true
	}
	for _, g := range u.Allow {
		if globMatch(g, lower) {
			return true
		}
	}
	return false
}

// globMatch matches a lowercased ID against an ID glob. IDs hold no '/'
// and no glob characters other than '*', so path.Match is exact here
// once '?' and '[' are escaped.
func globMatch(glob, lowerID string) bool {
	g := strings.NewReplacer(`\`, `\\`, "?", `\?`, "[", `\[`).Replace(strings.ToLower(glob))
	ok, err := path.Match(g, lowerID)
	return err == nil && ok
}

// ValidateUpstream checks an upstream's settings. Errors: ErrInvalid.
func ValidateUpstream(u *Upstream) error {
	p, err := url.Parse(u.IndexURL)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.User != nil || p.Fragment != "" {
		return errorf(ErrInvalid, "'%s' is not an upstream source: give the absolute http(s) URL of its service index, such as https://api.nuget.org/v3/index.json, and credentials with --username and --password, not in the URL.", redactURL(u.IndexURL))
	}
	if u.Password != "" && u.Username == "" {
		u.Username = "wharf" // most sources (Azure Artifacts, Wharf) read only the password
	}
	for _, g := range append(append([]string{}, u.Allow...), u.Deny...) {
		if g == "" || len(g) > 200 || strings.ContainsAny(g, "/\\?[] \t") {
			return errorf(ErrInvalid, "'%s' is not an ID glob: use letters, digits, '.', '-', '_' and '*', e.g. 'Contoso.*'.", g)
		}
	}
	if u.MinAge < 0 || u.MinAge > 5*365*24*time.Hour {
		return errorf(ErrInvalid, "The minimum age %s is out of range: give a duration between 0 and five years, e.g. 72h.", u.MinAge)
	}
	if u.Refresh < 0 || (u.Refresh > 0 && u.Refresh < time.Minute) || u.Refresh > 30*24*time.Hour {
		return errorf(ErrInvalid, "The refresh interval %s is out of range: give a duration between 1m and 720h, e.g. 30m.", u.Refresh)
	}
	return nil
}

// redactURL drops any user information from a URL for messages.
func redactURL(s string) string {
	if p, err := url.Parse(s); err == nil && p.User != nil {
		p.User = nil
		return p.String()
	}
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

// AddUpstream creates a feed that mirrors another source (see Upstream).
// It joins the registry-wide source after every local feed. Errors:
// ErrInvalid, ErrConflict.
func (s *Service) AddUpstream(ctx context.Context, name, description string, private bool, u Upstream) (*Feed, error) {
	if err := ValidateUpstream(&u); err != nil {
		return nil, err
	}
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	if len(description) > 500 {
		return nil, errorf(ErrInvalid, "The feed's description is longer than 500 characters.")
	}
	f := &Feed{Name: name, Description: description, Private: private, CreatedAt: s.now().UTC(), Upstream: &u}
	if err := s.store.CreateFeed(ctx, f); err != nil {
		if errors.Is(err, ErrConflict) {
			return nil, errorf(ErrConflict, "There is already a feed named '%s'.", name)
		}
		return nil, fmt.Errorf("create feed %s: %w", name, err)
	}
	s.invalidate()
	s.audit(ctx, "feed.create", name, fmt.Sprintf("feed %s created, %s, mirroring %s", name, visibility(private), redactURL(u.IndexURL)))
	return f, nil
}

// SetUpstream replaces the upstream settings of a feed that mirrors a
// source. Errors: ErrNotFound, ErrInvalid (also for a local feed: a feed
// cannot change between local and mirror, since its packages would
// change meaning).
func (s *Service) SetUpstream(ctx context.Context, name string, u Upstream) (*Feed, error) {
	if err := ValidateUpstream(&u); err != nil {
		return nil, err
	}
	f, err := s.Find(ctx, name)
	if err != nil {
		return nil, err
	}
	if f.Upstream == nil {
		return nil, errorf(ErrInvalid, "The feed '%s' holds local packages: it cannot become a mirror. Create an upstream feed with 'wharf feed add NAME --upstream URL'.", name)
	}
	if u.Password == "" && u.Username == f.Upstream.Username {
		u.Password = f.Upstream.Password // unchanged unless given again
	}
	f.Upstream = &u
	if err := s.store.UpdateFeed(ctx, f); err != nil {
		return nil, fmt.Errorf("update feed %s: %w", name, err)
	}
	s.invalidate()
	s.audit(ctx, "feed.update", name, fmt.Sprintf("feed %s mirrors %s", name, redactURL(u.IndexURL)))
	return f, nil
}
