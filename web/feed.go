package web

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/registry"
)

// serviceIndex lists every resource type the real clients look up. Clients
// match @type exactly, first hit wins, and NuGet.exe 5.8 knows only the old
// names: the 3.0.0-beta registration and search types are not optional.
// With cdn set, clients read the flat container and the registration
// from there (see cdnFor): the static copy at the same paths.
// https://learn.microsoft.com/nuget/api/service-index
func serviceIndex(u URLs, cdn string) nuget.ServiceIndex {
	var res []nuget.Resource
	add := func(id string, types ...string) {
		for _, t := range types {
			res = append(res, nuget.Resource{ID: id, Type: t})
		}
	}
	pkgBase, regBase := u.PackageBase(), u.RegistrationBase()
	if cdn != "" {
		pkgBase, regBase = cdn+strings.TrimPrefix(pkgBase, u.Base()), cdn+strings.TrimPrefix(regBase, u.Base())
	}
	add(pkgBase, "PackageBaseAddress/3.0.0")
	add(u.Publish(), "PackagePublish/2.0.0")
	add(regBase, "RegistrationsBaseUrl/3.6.0", "RegistrationsBaseUrl/3.4.0", "RegistrationsBaseUrl/Versioned",
		"RegistrationsBaseUrl/3.0.0-rc", "RegistrationsBaseUrl/3.0.0-beta", "RegistrationsBaseUrl")
	// https://learn.microsoft.com/nuget/api/search-query-service-resource#versioning
	// documents 3.4.0 too (NuGet.Client's ServiceTypes.SearchQueryService
	// asks for Versioned, 3.4.0, 3.0.0-beta; 3.5.0 for packageType).
	add(u.Search(), "SearchQueryService/3.5.0", "SearchQueryService/3.4.0", "SearchQueryService/3.0.0-rc", "SearchQueryService/3.0.0-beta",
		"SearchQueryService/Versioned", "SearchQueryService")
	add(u.Autocomplete(), "SearchAutocompleteService/3.5.0", "SearchAutocompleteService/3.0.0-rc",
		"SearchAutocompleteService/3.0.0-beta", "SearchAutocompleteService")
	add(u.PackageBase()+"{lower_id}/{lower_version}/readme", "ReadmeUriTemplate/6.13.0")
	add(u.PackageDetailsTemplate(), "PackageDetailsUriTemplate/5.1.0")
	add(u.SymbolPublish(), "SymbolPackagePublish/4.9.0") // docs/symbols.md
	// NuGet/Home accepted/2026/package-staging.md: dotnet nuget stage.
	// One staging API for the registry; a new ID staged goes to the
	// default feed, as through /api/v2/package.
	add(u.Staging(), "PackageStaging/1.0.0")
	// https://learn.microsoft.com/nuget/api/vulnerability-info: served
	// from this host, with what the caller may read (see
	// registry.Service.Vulnerabilities).
	add(u.VulnerabilityIndex(), "VulnerabilityInfo/6.7.0")
	// https://learn.microsoft.com/nuget/api/report-abuse-resource lists
	// 3.0.0-beta and 3.0.0-rc; NuGet.Client (ServiceTypes.ReportAbuse)
	// looks up "ReportAbuseUriTemplate/Versioned" and "/3.0.0" and falls
	// back to nuget.org without them: the client wins, all three go out.
	add(u.ReportAbuseTemplate(), "ReportAbuseUriTemplate/3.0.0", "ReportAbuseUriTemplate/3.0.0-rc", "ReportAbuseUriTemplate/3.0.0-beta")
	// NuGet.Client's OwnerDetailsUriTemplateResourceV3 ignores a template
	// that is not https (Visual Studio then links no owner).
	add(u.OwnerTemplate(), "OwnerDetailsUriTemplate/6.11.0")
	return nuget.ServiceIndex{Version: "3.0.0", Resources: res}
}

// getServiceIndex serves the registry-wide index, or a feed's.
// With a CDN (ServerConfig.CDNBaseURL), the indexes of feeds that only
// hold public local packages send clients there (cdnFor).
func (s *Server) getServiceIndex(c echo.Context) error {
	f := feedOf(c)
	cdn := ""
	if s.cdn != "" {
		scope, err := s.reg.AnonymousScope(c.Request().Context())
		if err != nil {
			return err
		}
		name := ""
		if f != nil {
			name = f.Name
		}
		cdn = cdnFor(s.cdn, s.private, scope, name)
	}
	if f == nil {
		if cdn != "" {
			return serveDoc(c, s.indexCDN, 300)
		}
		return serveDoc(c, s.index, 300)
	}
	d, err := s.docs.get("index/"+f.Name+"@"+cdn, 0, time.Time{}, func() (any, error) { return serviceIndex(s.urls.Feed(f.Name), cdn), nil })
	if err != nil {
		return err
	}
	return serveDoc(c, d, 300)
}

// getVersions serves the flat container's versions list: every version,
// listed or not, normalized, lowercase, ascending. It is the hottest
// document of a restore, served from the rendered-document cache.
func (s *Server) getVersions(c echo.Context) error {
	p, err := s.reg.Package(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	s.markStale(c, p)
	d, err := s.docs.get(docKey(c, "versions/"+strings.ToLower(p.Name)), p.Revision, p.UpdatedAt, func() (any, error) {
		return versionsDoc(p), nil
	})
	if err != nil {
		return err
	}
	return serveDoc(c, d, 60)
}

// getPackageFile serves {id}.{version}.nupkg and {id}.nuspec.
func (s *Server) getPackageFile(c echo.Context) error {
	id, version, file := c.Param("id"), c.Param("version"), strings.ToLower(c.Param("file"))
	lowerID := strings.ToLower(id)
	switch {
	case file == lowerID+".nuspec":
		return s.serveFile(c, id, version, registry.FileNuspec, "text/xml; charset=utf-8")
	case strings.HasPrefix(file, lowerID+".") && strings.HasSuffix(file, ".nupkg"):
		v := strings.TrimSuffix(strings.TrimPrefix(file, lowerID+"."), ".nupkg")
		if !strings.EqualFold(v, version) {
			return notFoundf("The file name %s does not match version %s.", c.Param("file"), version)
		}
		return s.serveNupkg(c, id, version)
	}
	return notFoundf("There is no file %s in the package folder.", c.Param("file"))
}

func (s *Server) getReadme(c echo.Context) error {
	return s.serveFile(c, c.Param("id"), c.Param("version"), registry.FileReadme, "text/markdown; charset=utf-8")
}

func (s *Server) getIcon(c echo.Context) error {
	return s.serveFile(c, c.Param("id"), c.Param("version"), registry.FileIcon, "")
}

func (s *Server) getLicense(c echo.Context) error {
	return s.serveFile(c, c.Param("id"), c.Param("version"), registry.FileLicense, "text/plain; charset=utf-8")
}

// serveFile streams a stored file with http.ServeContent: ranges,
// conditional requests and HEAD come with it, and the file goes out with
// sendfile when the store is the local disk. Stored files never change.
func (s *Server) serveFile(c echo.Context, id, version string, f registry.File, contentType string) error {
	_, _, err := s.sendFile(c, id, version, f, contentType)
	return err
}

// sendFile is serveFile, also returning the version and whether the whole
// file went out: a 200 answer whose body was written to the connection to
// its last byte (not HEAD, not 206, not 304, not cut short).
func (s *Server) sendFile(c echo.Context, id, version string, f registry.File, contentType string) (*registry.PackageVersion, bool, error) {
	blob, pv, err := s.reg.OpenFile(c.Request().Context(), id, version, f)
	if err != nil {
		return nil, false, err
	}
	defer blob.Close()
	h := c.Response().Header()
	if f == registry.FileIcon {
		contentType = pv.Metadata.IconType
	}
	h.Set(echo.HeaderContentType, contentType)
	h.Set("Cache-Control", cacheScope(c)+", max-age=31536000, immutable")
	h.Set("ETag", `"`+etagOf(pv.SHA512, f)+`"`)
	info := blob.Info()
	res := c.Response()
	http.ServeContent(fileWriter{res}, c.Request(), "", info.ModTime, blob)
	return pv, res.Status == http.StatusOK && res.Size == info.Size && c.Request().Method != http.MethodHead, nil
}

// fileWriter lets http.ServeContent reach the connection's ReadFrom, which
// sends a local file with sendfile(2) straight from the page cache: echo's
// Response has no ReadFrom, so without this every download is copied
// through a 32 KB buffer in user space. Echo still records the status and
// size for the access log and metrics.
type fileWriter struct{ *echo.Response }

// ReadFrom sends r after the headers.
func (w fileWriter) ReadFrom(r io.Reader) (int64, error) {
	if !w.Committed {
		w.WriteHeader(http.StatusOK)
	}
	rf, ok := w.Writer.(io.ReaderFrom)
	if !ok {
		return io.Copy(struct{ io.Writer }{w.Response}, r)
	}
	n, err := rf.ReadFrom(r)
	w.Size += n
	return n, err
}

// etagOf derives a strong validator from the package hash and the file.
func etagOf(sha512 string, f registry.File) string {
	if len(sha512) > 32 {
		sha512 = sha512[:32]
	}
	return base64URL.Replace(sha512) + "-" + strconv.Itoa(int(f))
}

// base64URL turns standard base64 into its URL alphabet, without padding.
var base64URL = strings.NewReplacer("+", "-", "/", "_", "=", "")

func (s *Server) healthz(c echo.Context) error { return c.String(http.StatusOK, "ok\n") }

func notFoundf(format string, args ...any) error {
	return &registry.Error{Kind: registry.ErrNotFound, Message: fmt.Sprintf(format, args...)}
}

// staleHeader says that a mirrored package's versions come from Wharf's
// copy because its upstream source did not answer when they were due for
// a refresh: age is how many seconds ago the source last answered.
const staleHeader = "Wharf-Upstream-Stale"

// markStale sets staleHeader on the answer about a mirrored package whose
// refresh failed, and logs it.
func (s *Server) markStale(c echo.Context, p *registry.Package) {
	age, stale := s.reg.UpstreamAge(c.Request().Context(), p)
	if !stale {
		return
	}
	c.Response().Header().Set(staleHeader, "age="+strconv.Itoa(int(age.Seconds())))
	now := time.Now().Unix()
	if last, ok := s.staleLogged.Load(p.ID); ok && now-last.(int64) < 60 {
		return // once a minute per package is enough to see an outage
	}
	s.staleLogged.Store(p.ID, now)
	s.log.Warn("serving a mirrored package from the cache: its upstream source did not answer",
		"id", registry.EscapeText(p.Name), "age", age.Round(time.Second).String())
}
