package registry

import (
	"context"
	"errors"
	"github.com/wharf-registry/wharf/internal/upstream"
	"sort"
	"strings"
)

// Search limits, as nuget.org applies them.
const (
	MaxSearchSkip = 3000
	MaxSearchTake = 1000
)

// SearchQuery is a search or autocomplete request. A negative Take asks
// for the default page size (20). Q holds free words and
// field terms: id:, packageid: (exact), owner:, tags:, title:, author:,
// description:. Every term must match.
type SearchQuery struct {
	Q           string
	Skip, Take  int
	Prerelease  bool
	SemVer2     bool
	PackageType string
}

// SearchHit is one package in a search result: its newest version that the
// query's filter allows, and every version the filter allows.
type SearchHit struct {
	Package  *Package
	Latest   *PackageVersion
	Versions []*PackageVersion
}

// SearchResult is one page of hits and the count of all matches.
type SearchResult struct {
	TotalHits int
	Hits      []SearchHit
	// Upstream are the hits of upstream sources that fill the page after
	// the local ones (SearchAll only); TotalHits counts them too.
	Upstream []upstream.SearchHit
}

// searchDoc is the lowercased text of a package that search matches.
type searchDoc struct {
	id, title, description, authors string
	tags, owners, idTokens          []string
	types                           []string
}

func newSearchDoc(p *Package) *searchDoc {
	d := &searchDoc{id: strings.ToLower(p.Name)}
	d.idTokens = strings.FieldsFunc(d.id, func(r rune) bool { return r == '.' || r == '-' || r == '_' })
	for _, o := range p.Owners {
		d.owners = append(d.owners, strings.ToLower(o.Name))
	}
	latest := p.Latest(VersionFilter{IncludePrerelease: true, IncludeSemVer2: true})
	if latest == nil && len(p.Versions) > 0 {
		latest = &p.Versions[len(p.Versions)-1]
	}
	if latest != nil {
		m := latest.Metadata
		d.title, d.description, d.authors = strings.ToLower(m.Title), strings.ToLower(m.Description), strings.ToLower(m.Authors)
		for _, t := range m.Tags {
			d.tags = append(d.tags, strings.ToLower(t))
		}
		for _, t := range m.PackageTypes {
			d.types = append(d.types, strings.ToLower(t))
		}
	}
	if len(d.types) == 0 {
		d.types = []string{"dependency"}
	}
	return d
}

// term is one parsed query term.
type term struct{ field, value string }

func parseQuery(q string) []term {
	var terms []term
	for _, w := range strings.Fields(strings.ToLower(q)) {
		field, value, ok := strings.Cut(w, ":")
		if !ok || value == "" {
			terms = append(terms, term{value: w})
			continue
		}
		switch field {
		case "id", "packageid", "owner", "owners", "tag", "tags", "title", "author", "authors", "description":
			terms = append(terms, term{field: strings.TrimSuffix(field, "s"), value: strings.Trim(value, `"`)})
		default:
			terms = append(terms, term{value: w})
		}
	}
	return terms
}

// score returns how well d matches every term, or 0 when one term misses.
func (d *searchDoc) score(terms []term) int {
	total := 1
	for _, t := range terms {
		s := d.scoreTerm(t)
		if s == 0 {
			return 0
		}
		total += s
	}
	return total
}

func (d *searchDoc) scoreTerm(t term) int {
	v := t.value
	switch t.field {
	case "packageid":
		return b2i(d.id == v) * 1000
	case "id":
		return d.scoreID(v)
	case "owner":
		return b2i(contains(d.owners, v)) * 100
	case "tag":
		return b2i(contains(d.tags, v)) * 100
	case "title":
		return b2i(strings.Contains(d.title, v)) * 100
	case "author":
		return b2i(strings.Contains(d.authors, v)) * 100
	case "description":
		return b2i(strings.Contains(d.description, v)) * 100
	}
	best := d.scoreID(v)
	switch {
	case best > 0:
	case strings.Contains(d.title, v):
		best = 50
	case contains(d.tags, v):
		best = 40
	case strings.Contains(d.authors, v):
		best = 20
	case strings.Contains(d.description, v):
		best = 10
	}
	return best
}

func (d *searchDoc) scoreID(v string) int {
	switch {
	case d.id == v:
		return 1000
	case strings.HasPrefix(d.id, v):
		return 300
	case contains(d.idTokens, v):
		return 200
	case strings.Contains(d.id, v):
		return 100
	}
	return 0
}

// Search finds packages. Unlisted versions never appear; prerelease and
// SemVer 2.0.0 versions only when asked for.
func (s *Service) Search(ctx context.Context, q SearchQuery) (*SearchResult, error) {
	s.Refresh(ctx)
	entries, err := s.cat.all(ctx)
	if err != nil {
		return nil, err
	}
	f := VersionFilter{IncludePrerelease: q.Prerelease, IncludeSemVer2: q.SemVer2}
	terms := parseQuery(q.Q)
	ptype := strings.ToLower(strings.TrimSpace(q.PackageType))
	type scored struct {
		e     *entry
		score int
		hit   SearchHit
	}
	var matches []scored
	readable := readFilter(ctx)
	for _, e := range entries {
		if readable != nil && !readable(e.pkg) {
			continue
		}
		latest := e.pkg.Latest(f)
		if latest == nil {
			continue
		}
		if ptype != "" && !contains(e.doc.types, ptype) {
			continue
		}
		sc := e.doc.score(terms)
		if sc == 0 {
			continue
		}
		matches = append(matches, scored{e: e, score: sc, hit: SearchHit{Package: e.pkg, Latest: latest}})
	}
	sort.SliceStable(matches, func(i, j int) bool {
		a, b := matches[i], matches[j]
		if a.score != b.score {
			return a.score > b.score
		}
		return a.e.pkg.TotalDownloads > b.e.pkg.TotalDownloads
	})
	res := &SearchResult{TotalHits: len(matches)}
	skip, take := clampPage(q.Skip, q.Take, 20)
	for i := skip; i < len(matches) && i < skip+take; i++ {
		h := matches[i].hit
		for j := range h.Package.Versions {
			if f.Allows(&h.Package.Versions[j]) {
				h.Versions = append(h.Versions, &h.Package.Versions[j])
			}
		}
		res.Hits = append(res.Hits, h)
	}
	return res, nil
}

// AutocompleteIDs returns package IDs matching the query's words.
func (s *Service) AutocompleteIDs(ctx context.Context, q SearchQuery) (int, []string, error) {
	res, err := s.Search(ctx, q)
	if err != nil {
		return 0, nil, err
	}
	ids := make([]string, 0, len(res.Hits))
	for _, h := range res.Hits {
		ids = append(ids, h.Package.Name)
	}
	total := res.TotalHits
	if upSkip, need := upstreamPage(q, res.TotalHits); need > 0 && s.SearchesUpstream(ctx) {
		more, upTotal := s.UpstreamAutocomplete(ctx, upstreamQuery(q, upSkip, need))
		total += upTotal
		ids = append(ids, more[:min(len(more), need)]...)
	}
	return total, ids, nil
}

// AutocompleteVersions returns the listed versions of a package that the
// filter allows, ascending; none when the package does not exist.
func (s *Service) AutocompleteVersions(ctx context.Context, id string, prerelease, semver2 bool) ([]string, error) {
	p, err := s.Package(ctx, id) // answers absent for a package the reader may not see
	if errors.Is(err, ErrNotFound) {
		return []string{}, nil
	}
	if err != nil {
		return []string{}, err
	}
	e := &entry{pkg: p}
	f := VersionFilter{IncludePrerelease: prerelease, IncludeSemVer2: semver2}
	out := []string{}
	for i := range e.pkg.Versions {
		if f.Allows(&e.pkg.Versions[i]) {
			out = append(out, e.pkg.Versions[i].Version.String())
		}
	}
	return out, nil
}

func clampPage(skip, take, def int) (int, int) {
	if skip < 0 {
		skip = 0
	}
	if skip > MaxSearchSkip {
		skip = MaxSearchSkip
	}
	if take < 0 {
		take = def
	}
	if take > MaxSearchTake {
		take = MaxSearchTake
	}
	return skip, take
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
