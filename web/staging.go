package web

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/wharf-registry/wharf/internal/registry"
)

// The staging API (PackageStaging/1.0.0), as NuGet's accepted client
// contract (NuGet/Home accepted/2026/package-staging-api-contract-md.md)
// and the client's PackageStagingResourceV3 describe it: every route is
// relative to the resource's @id, takes the key in X-NuGet-ApiKey, and
// answers failures with {"error": {"code", "message"}}. There is no
// promotion route: a person promotes in the web UI.

// Wire types of the staging API.
type (
	stagingBlocker struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	stagingGroupSummary struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	stagingGroup struct {
		ID            string           `json:"id"`
		Name          string           `json:"name"`
		CanPromote    bool             `json:"canPromote"`
		ItemCount     int              `json:"itemCount"`
		Blockers      []stagingBlocker `json:"blockers"`
		Owner         string           `json:"owner,omitempty"`
		Created       string           `json:"created"`
		ManagementURL string           `json:"managementUrl"`
		SourceURL     string           `json:"sourceUrl"` // Wharf's: the group's own restore source
	}
	stagingArtifact struct {
		ID            string               `json:"id"`
		Version       string               `json:"version"`
		Kind          string               `json:"kind"`
		Status        string               `json:"status"`
		Group         *stagingGroupSummary `json:"group"`
		Listed        bool                 `json:"listed"`
		CanPromote    bool                 `json:"canPromote"`
		Blockers      []stagingBlocker     `json:"blockers"`
		Owner         string               `json:"owner,omitempty"`
		Uploaded      string               `json:"uploaded"`
		Validated     string               `json:"validated"`
		ManagementURL string               `json:"managementUrl"`
	}
	stagingPage struct {
		Items      any `json:"items"`
		Page       int `json:"page"`
		PageSize   int `json:"pageSize"`
		TotalCount int `json:"totalCount"`
	}
	stagingGroupPage struct {
		Group      stagingGroup      `json:"group"`
		Items      []stagingArtifact `json:"items"`
		Page       int               `json:"page"`
		PageSize   int               `json:"pageSize"`
		TotalCount int               `json:"totalCount"`
	}
	stagingErrorBody struct {
		Error stagingErrorDetail `json:"error"`
	}
	stagingErrorDetail struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Target  string `json:"target,omitempty"`
	}
)

// promoteBlocker says why no API caller can promote: it is a person's
// action in the web UI.
var promoteBlocker = stagingBlocker{Code: "promoteInWebUI", Message: "A person promotes staged packages in Wharf's web UI, after a fresh sign-in."}

// stagingError is the handler error of the staging routes: the contract's
// JSON body, with the status of the error table.
type stagingError struct{ err error }

func (e *stagingError) Error() string { return e.err.Error() }
func (e *stagingError) Unwrap() error { return e.err }

func stagingFail(err error) error {
	if err == nil {
		return nil
	}
	return &stagingError{err: err}
}

// writeStagingError answers a failed staging request.
func (s *Server) writeStagingError(c echo.Context, err error) error {
	status, msg := statusOf(err)
	if status >= 500 {
		s.log.Error("request failed", append(logAttrs(c), "status", status, "err", err)...)
	}
	code := map[int]string{400: "invalidRequest", 401: "unauthorized", 403: "forbidden", 404: "notFound", 409: "conflict",
		413: "tooLarge", 429: "rateLimited", 503: "unavailable", 507: "storageFull"}[status]
	if code == "" {
		code = "internalError"
	}
	c.Response().Header().Set("X-NuGet-Warning", headerSafe(msg))
	drainBody(c.Request(), 2*s.reg.MaxPackageSize()+multipartSlack)
	return c.JSON(status, stagingErrorBody{Error: stagingErrorDetail{Code: code, Message: msg, Target: registry.Field(err)}})
}

func (s *Server) stagingKey(c echo.Context) (*registry.APIKey, error) {
	return s.reg.Authenticate(c.Request().Context(), c.Request().Header.Get(apiKeyHeader))
}

func isoTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func (s *Server) groupJSON(g *registry.StageGroup) stagingGroup {
	return stagingGroup{ID: g.Slug, Name: g.Name, ItemCount: g.Items, Blockers: []stagingBlocker{promoteBlocker},
		Owner: g.OwnerName, Created: isoTime(g.CreatedAt), ManagementURL: s.urls.Base() + stagePageURL(g.ID),
		SourceURL: s.urls.Stage(g.ID).ServiceIndex()}
}

func (s *Server) artifactJSON(p *registry.StagedPackage, g *registry.StageGroup) stagingArtifact {
	a := stagingArtifact{ID: p.Name, Version: p.Version.String(), Kind: "package", Status: "ready", Listed: true,
		Blockers: []stagingBlocker{promoteBlocker}, Uploaded: isoTime(p.StagedAt), Validated: isoTime(p.StagedAt)}
	if g != nil {
		a.ManagementURL = s.urls.Base() + stagePageURL(g.ID)
		if !g.Ungrouped() {
			a.Group = &stagingGroupSummary{ID: g.Slug, Name: g.Name}
		}
	}
	return a
}

// paging reads page and pageSize (defaults 1 and 100, pageSize at most 1000).
func paging(c echo.Context) (page, size int, err error) {
	page, size = 1, 100
	if v := c.QueryParam("page"); v != "" {
		if page, err = strconv.Atoi(v); err != nil || page < 1 {
			return 0, 0, invalidf("page must be a whole number from 1.")
		}
	}
	if v := c.QueryParam("pageSize"); v != "" {
		if size, err = strconv.Atoi(v); err != nil || size < 1 || size > 1000 {
			return 0, 0, invalidf("pageSize must be a whole number from 1 to 1000.")
		}
	}
	return page, size, nil
}

func pageOf[T any](items []T, page, size int) []T {
	lo := (page - 1) * size
	if lo >= len(items) {
		return []T{}
	}
	return items[lo:min(lo+size, len(items))]
}

// stagePackage stages a .nupkg (PUT {@id}/package): multipart parts
// "package" (the file) and an optional "groupId". 201 when new, 200
// when it replaced or repeated a staged package; the body is the Artifact.
func (s *Server) stagePackage(c echo.Context) error {
	req := c.Request()
	key, err := s.stagingKey(c)
	if err != nil {
		return stagingFail(err)
	}
	f, size, group, err := s.spoolStaged(req, "package")
	if err != nil {
		return stagingFail(err)
	}
	defer func() {
		f.Close()
		os.Remove(f.Name())
	}()
	st, err := s.reg.Stage(req.Context(), key, registry.Upload{R: f, Size: size}, group)
	if err != nil {
		return stagingFail(err)
	}
	s.log.Info("package staged", "id", st.Package.Name, "version", st.Package.Version.String(), "group", st.Group.Slug, "key", key.ID)
	status := http.StatusOK
	if st.Created {
		status = http.StatusCreated
	}
	return c.JSON(status, s.artifactJSON(st.Package, st.Group))
}

// stageSymbols refuses symbol packages: Wharf does not stage them yet.
func (s *Server) stageSymbols(c echo.Context) error {
	if _, err := s.stagingKey(c); err != nil {
		return stagingFail(err)
	}
	return stagingFail(invalidf("Wharf does not stage symbol packages yet: stage the .nupkg with --no-symbols, and push the .snupkg (dotnet nuget push) once the package is promoted."))
}

// spoolStaged streams a staging upload's file part (named part) to a
// temporary file and reads its groupId part, whatever their order.
func (s *Server) spoolStaged(req *http.Request, part string) (*os.File, int64, string, error) {
	max := s.reg.MaxPackageSize()
	mediaType, params, _ := mime.ParseMediaType(req.Header.Get("Content-Type"))
	if mediaType != "multipart/form-data" || params["boundary"] == "" {
		return nil, 0, "", invalidf("Send the package as multipart/form-data with a part named '%s' (and optionally 'groupId').", part)
	}
	mr := multipart.NewReader(&limitReader{r: req.Body, n: max + multipartSlack}, params["boundary"])
	var file *os.File
	var size int64
	group, hasGroup := "", false
	fail := func(err error) (*os.File, int64, string, error) {
		if file != nil {
			file.Close()
			os.Remove(file.Name())
		}
		if errors.Is(err, errBodyTooLarge) {
			err = &registry.Error{Kind: registry.ErrTooLarge, Message: fmt.Sprintf("The package is larger than this feed's limit of %s.", registry.SizeText(max))}
		}
		return nil, 0, "", err
	}
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var re *registry.Error
			if errors.As(err, &re) || errors.Is(err, errBodyTooLarge) {
				return fail(err)
			}
			return fail(invalidf("The multipart request could not be read (%v). Send the package again.", err))
		}
		switch p.FormName() {
		case part:
			if file != nil {
				return fail(invalidf("The request has two '%s' parts; stage one package per request.", part))
			}
			if file, err = os.CreateTemp(s.tempDir, "stage-*.nupkg"); err != nil {
				return fail(spoolError(err))
			}
			if size, err = io.Copy(file, &limitReader{r: p, n: max}); err != nil {
				return fail(err)
			}
		case "groupId":
			b, err := io.ReadAll(io.LimitReader(p, 1024))
			if err != nil {
				return fail(err)
			}
			group, hasGroup = strings.TrimSpace(string(b)), true
		}
		p.Close()
	}
	if file == nil || size == 0 {
		return fail(invalidf("The request holds no package: send the .nupkg in a multipart part named '%s'.", part))
	}
	if hasGroup && group == "" {
		return fail(&registry.Error{Kind: registry.ErrInvalid, Message: "groupId is empty: leave the part out to stage without a group."})
	}
	return file, size, group, nil
}

// listStaged lists the key owner's staged packages (GET {@id}/package),
// optionally of one group (?groupId=) or ungrouped (?ungrouped=true).
func (s *Server) listStaged(c echo.Context) error {
	key, err := s.stagingKey(c)
	if err != nil {
		return stagingFail(err)
	}
	page, size, err := paging(c)
	if err != nil {
		return stagingFail(err)
	}
	f := registry.StagedFilter{Group: c.QueryParam("groupId"), Ungrouped: c.QueryParam("ungrouped") == "true"}
	ps, groups, err := s.reg.KeyStagedPackages(c.Request().Context(), key, f)
	if err != nil {
		return stagingFail(err)
	}
	items := make([]stagingArtifact, len(ps))
	for i := range ps {
		items[i] = s.artifactJSON(&ps[i], groups[ps[i].GroupID])
	}
	return c.JSON(http.StatusOK, stagingPage{Items: pageOf(items, page, size), Page: page, PageSize: size, TotalCount: len(items)})
}

// viewStaged shows one staged package (GET {@id}/package/{id}/{version}).
func (s *Server) viewStaged(c echo.Context) error {
	key, err := s.stagingKey(c)
	if err != nil {
		return stagingFail(err)
	}
	p, g, err := s.reg.KeyStagedPackage(c.Request().Context(), key, c.Param("id"), c.Param("version"))
	if err != nil {
		return stagingFail(err)
	}
	return c.JSON(http.StatusOK, s.artifactJSON(p, g))
}

// unstage removes a staged package and its files (DELETE
// {@id}/package/{id}/{version}): 204, or 404 when it is not staged.
func (s *Server) unstage(c echo.Context) error {
	key, err := s.stagingKey(c)
	if err != nil {
		return stagingFail(err)
	}
	if err := s.reg.UnstageWithKey(c.Request().Context(), key, c.Param("id"), c.Param("version")); err != nil {
		return stagingFail(err)
	}
	return c.NoContent(http.StatusNoContent)
}

// groupBody is the JSON body of create and rename.
type groupBody struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// groupBodySpec reads a groupBody.
var groupBodySpec = jsonBody{Limit: 16 << 10, Expect: `a JSON object with "id" and "name"`, Strict: true, Thing: "a stage group"}

func (s *Server) readGroupBody(c echo.Context) (groupBody, error) {
	var b groupBody
	err := s.readJSON(c, groupBodySpec, &b)
	return b, err
}

// createGroup creates a stage group (POST {@id}/groups): 201 and the Group.
func (s *Server) createGroup(c echo.Context) error {
	key, err := s.stagingKey(c)
	if err != nil {
		return stagingFail(err)
	}
	b, err := s.readGroupBody(c)
	if err != nil {
		return stagingFail(err)
	}
	g, err := s.reg.CreateStageGroup(c.Request().Context(), key, b.ID, b.Name)
	if err != nil {
		return stagingFail(err)
	}
	return c.JSON(http.StatusCreated, s.groupJSON(g))
}

// listGroups lists the key owner's groups (GET {@id}/groups).
func (s *Server) listGroups(c echo.Context) error {
	key, err := s.stagingKey(c)
	if err != nil {
		return stagingFail(err)
	}
	page, size, err := paging(c)
	if err != nil {
		return stagingFail(err)
	}
	gs, err := s.reg.KeyStageGroups(c.Request().Context(), key)
	if err != nil {
		return stagingFail(err)
	}
	items := make([]stagingGroup, len(gs))
	for i := range gs {
		items[i] = s.groupJSON(&gs[i])
	}
	return c.JSON(http.StatusOK, stagingPage{Items: pageOf(items, page, size), Page: page, PageSize: size, TotalCount: len(items)})
}

// getGroup shows a group and its members (GET {@id}/groups/{groupId}).
func (s *Server) getGroup(c echo.Context) error {
	key, err := s.stagingKey(c)
	if err != nil {
		return stagingFail(err)
	}
	page, size, err := paging(c)
	if err != nil {
		return stagingFail(err)
	}
	g, ps, err := s.reg.KeyStageGroup(c.Request().Context(), key, c.Param("group"))
	if err != nil {
		return stagingFail(err)
	}
	items := make([]stagingArtifact, len(ps))
	for i := range ps {
		items[i] = s.artifactJSON(&ps[i], g)
	}
	return c.JSON(http.StatusOK, stagingGroupPage{Group: s.groupJSON(g), Items: pageOf(items, page, size), Page: page, PageSize: size, TotalCount: len(items)})
}

// renameGroup sets a group's display name (PATCH {@id}/groups/{groupId}).
func (s *Server) renameGroup(c echo.Context) error {
	key, err := s.stagingKey(c)
	if err != nil {
		return stagingFail(err)
	}
	b, err := s.readGroupBody(c)
	if err != nil {
		return stagingFail(err)
	}
	g, err := s.reg.RenameStageGroup(c.Request().Context(), key, c.Param("group"), b.Name)
	if err != nil {
		return stagingFail(err)
	}
	return c.JSON(http.StatusOK, s.groupJSON(g))
}

// deleteGroup drops a group with its packages (DELETE {@id}/groups/{groupId}).
func (s *Server) deleteGroup(c echo.Context) error {
	key, err := s.stagingKey(c)
	if err != nil {
		return stagingFail(err)
	}
	if err := s.reg.DeleteStageGroupWithKey(c.Request().Context(), key, c.Param("group")); err != nil {
		return stagingFail(err)
	}
	return c.NoContent(http.StatusNoContent)
}

// addToGroup adds or moves a staged package into a group (PUT
// {@id}/groups/{groupId}/items/{id}/{version}).
func (s *Server) addToGroup(c echo.Context) error {
	key, err := s.stagingKey(c)
	if err != nil {
		return stagingFail(err)
	}
	if err := s.reg.MoveStagedWithKey(c.Request().Context(), key, c.Param("group"), c.Param("id"), c.Param("version")); err != nil {
		return stagingFail(err)
	}
	return c.NoContent(http.StatusNoContent)
}

// removeFromGroup takes a staged package out of a group; it stays staged
// (DELETE {@id}/groups/{groupId}/items/{id}/{version}).
func (s *Server) removeFromGroup(c echo.Context) error {
	key, err := s.stagingKey(c)
	if err != nil {
		return stagingFail(err)
	}
	if err := s.reg.UngroupStagedWithKey(c.Request().Context(), key, c.Param("group"), c.Param("id"), c.Param("version")); err != nil {
		return stagingFail(err)
	}
	return c.NoContent(http.StatusNoContent)
}
