package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/templates"
)

// The public pages: the start page, search and package pages. Anyone may
// see them.

const (
	searchPageSize = 20
	homeListSize   = 6
	// maxSearchPage is the last page search can reach without skipping
	// more than the registry allows.
	maxSearchPage = registry.MaxSearchSkip/searchPageSize + 1
	// maxQueryBytes bounds the search text a page passes on.
	maxQueryBytes = 256
)

func (s *Server) homePage(c echo.Context) error {
	ctx := c.Request().Context()
	top, err := s.reg.Search(ctx, registry.SearchQuery{Take: homeListSize, Prerelease: true, SemVer2: true})
	if err != nil {
		return err
	}
	recent, err := s.reg.RecentlyPublished(ctx, homeListSize)
	if err != nil {
		return err
	}
	v := templates.HomePage{
		Page: s.page(c, "", ""), FeedURL: s.urls.ServiceIndex(), PackageCount: top.TotalHits,
		SourceCommand: "dotnet nuget add source " + s.urls.ServiceIndex() + " -n wharf",
		SearchURL:     s.urls.SearchPage("", 1, false),
	}
	v.NoSiteSearch = true // the page's own search box is the one
	if u := currentUser(c); s.private && u != nil {
		// Every read of a private registry needs credentials: an API key
		// with the read scope as the password.
		v.SourceCommand += " --username " + u.Name + " --password KEY"
	}
	for _, h := range top.Hits {
		v.MostDownloaded = append(v.MostDownloaded, s.summaryOf(h))
	}
	for _, h := range recent {
		v.RecentlyUpdated = append(v.RecentlyUpdated, s.summaryOf(h))
	}
	return s.render(c, http.StatusOK, templates.Home(v))
}

// searchRequest is what the search page was asked for.
type searchRequest struct {
	q          string
	page       int // from 1, at most maxSearchPage
	prerelease bool
	feed       string // "" for every feed the viewer may read
}

func parseSearchPage(c echo.Context) searchRequest {
	r := searchRequest{q: strings.TrimSpace(c.QueryParam("q")), page: 1}
	if len(r.q) > maxQueryBytes {
		r.q = strings.ToValidUTF8(r.q[:maxQueryBytes], "")
	}
	if n, err := strconv.Atoi(c.QueryParam("page")); err == nil && n > 1 {
		r.page = min(n, maxSearchPage)
	}
	r.prerelease, _ = strconv.ParseBool(c.QueryParam("prerelease"))
	r.feed = strings.ToLower(strings.TrimSpace(c.QueryParam("feed")))
	return r
}

func (s *Server) searchPage(c echo.Context) error {
	r := parseSearchPage(c)
	ctx, names, feedErr, err := s.searchFeeds(c, r.feed)
	if err != nil {
		return err
	}
	if feedErr != "" {
		v := s.searchView(c, r, &registry.SearchResult{})
		v.Feeds, v.FeedError = names, feedErr
		return s.render(c, http.StatusNotFound, templates.Search(v))
	}
	res, err := s.reg.Search(ctx, registry.SearchQuery{
		Q: r.q, Skip: (r.page - 1) * searchPageSize, Take: searchPageSize, Prerelease: r.prerelease, SemVer2: true,
	})
	if err != nil {
		return err
	}
	v := s.searchView(c, r, res)
	v.Feeds = names
	if res.TotalHits == 0 && r.q != "" && !r.prerelease {
		// Would prereleases have matched? Say so rather than "nothing".
		pre, err := s.reg.Search(ctx, registry.SearchQuery{Q: r.q, Take: 0, Prerelease: true, SemVer2: true})
		if err != nil {
			return err
		}
		v.PrereleaseMatches, v.PrereleaseURL = pre.TotalHits, withFeed(s.urls.SearchPage(r.q, 1, true), r.feed)
	}
	return s.render(c, http.StatusOK, templates.Search(v))
}

func (s *Server) searchView(c echo.Context, r searchRequest, res *registry.SearchResult) templates.SearchPage {
	title := "Packages"
	if r.q != "" {
		title = "Search: " + r.q
	}
	pages := (res.TotalHits + searchPageSize - 1) / searchPageSize
	v := templates.SearchPage{
		Page: s.page(c, title, "packages"), Query: r.q, Prerelease: r.prerelease, FormAction: s.urls.SearchPage("", 1, false),
		Total: res.TotalHits, TotalText: countText(res.TotalHits, "package", "packages"),
		PageNum: r.page, Pages: min(pages, maxSearchPage), Capped: pages > maxSearchPage,
		FirstPageURL: s.urls.SearchPage(r.q, 1, r.prerelease), AllURL: s.urls.SearchPage("", 1, true),
	}
	v.NoSiteSearch = true // the page's own search box is the one
	v.Page.Query = r.q
	if len(res.Hits) > 0 {
		v.From = (r.page-1)*searchPageSize + 1
		v.To = v.From + len(res.Hits) - 1
	}
	v.Feed, v.FirstPageURL = r.feed, withFeed(v.FirstPageURL, r.feed)
	if r.page > 1 && r.page <= v.Pages {
		v.PrevURL = withFeed(s.urls.SearchPage(r.q, r.page-1, r.prerelease), r.feed)
	}
	if r.page < v.Pages {
		v.NextURL = withFeed(s.urls.SearchPage(r.q, r.page+1, r.prerelease), r.feed)
	}
	for _, h := range res.Hits {
		v.Results = append(v.Results, s.summaryOf(h))
	}
	return v
}

// countText is "1 package", "1,234 packages", "No packages".
func countText(n int, one, many string) string {
	switch n {
	case 0:
		return "No " + many
	case 1:
		return "1 " + one
	}
	return thousands(int64(n)) + " " + many
}

func (s *Server) packagePage(c echo.Context) error {
	ctx := c.Request().Context()
	id, version := c.Param("id"), c.Param("version")
	p, err := s.reg.Package(ctx, id)
	if errors.Is(err, registry.ErrNotFound) {
		return &registry.Error{Kind: registry.ErrNotFound, Message: "There is no package " + id +
			" on this feed. Check the spelling, or search for it from the box above: package IDs are matched by their parts too."}
	}
	if err != nil {
		return err
	}
	var pv *registry.PackageVersion
	if version == "" {
		pv = latestListed(p)
	} else if nv, err := nuget.ParseVersion(version); err == nil {
		pv = p.Find(nv)
	}
	if pv == nil {
		return &registry.Error{Kind: registry.ErrNotFound, Message: "There is no version " + version + " of " + p.Name +
			" on this feed. The package's page lists the versions it has: " + s.urls.PackagePage(p.Name, "")}
	}
	v := s.packageView(s.page(c, p.Name+" "+pv.Version.String(), "packages"), p, pv)
	s.feedOfPackage(ctx, &v, p)
	s.readme(c, p, pv, &v)
	if ok, err := s.reg.CanManage(ctx, currentUser(c), p, false); err != nil {
		return err
	} else if ok {
		v.ManageURL = s.urls.ManagePackage(p.Name)
		held, err := s.reg.HeldOf(ctx, currentUser(c), p)
		if err != nil {
			return err
		}
		v.Held = len(held)
	}
	return s.render(c, http.StatusOK, templates.Package(v))
}

// readme fills in a version's README: its sanitised HTML, a sentence when
// it is not shown (too large or complex, or still being rendered), or
// ReadmeMissing when it cannot be read. A README that cannot be read is
// logged: the rest of the page is still worth showing. HEAD answers do
// not render it: their body is not sent.
func (s *Server) readme(c echo.Context, p *registry.Package, v *registry.PackageVersion, pv *templates.PackagePage) {
	if !v.Metadata.HasReadme || c.Request().Method == http.MethodHead {
		return
	}
	key := strings.ToLower(p.Name) + "/" + v.Version.Lower() + "/" + v.SHA512
	res, ready, err := s.readmes.get(c.Request().Context(), key, readmeWait, func(ctx context.Context) ([]byte, error) {
		b, _, err := s.reg.OpenFile(ctx, p.Name, v.Version.String(), registry.FileReadme)
		if err != nil {
			return nil, err
		}
		defer b.Close()
		// One byte more than is rendered tells a README that is too large.
		return io.ReadAll(io.LimitReader(b, readmeMaxBytes+1))
	})
	switch {
	case err != nil:
		s.log.Warn("reading a README failed", append(logAttrs(c), "package", p.Name, "version", v.Version.String(), "err", err)...)
		pv.ReadmeMissing = true
	case !ready:
		pv.ReadmeNote = "The README of this version is still being prepared. Reload the page in a moment."
	case res.refused != "":
		pv.ReadmeNote = res.refused
	default:
		pv.ReadmeHTML = res.html
	}
}
