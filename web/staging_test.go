package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/storage"
)

// The requests here are the ones NuGet's staging client
// (NuGet.Protocol PackageStagingResourceV3, dotnet nuget stage) sends:
// the resource found in the service index as PackageStaging/1.0.0, PUT
// {@id}/package with a chunked multipart body (part "package" with the
// file name, then "groupId"), the key in X-NuGet-ApiKey. The .NET SDK
// cannot run on the test machines, so the client is not run itself.

// stagingURL reads the PackageStaging/1.0.0 resource from the service index.
func stagingURL(t *testing.T, f *feed) string {
	t.Helper()
	var idx struct {
		Resources []struct {
			ID   string `json:"@id"`
			Type string `json:"@type"`
		} `json:"resources"`
	}
	f.getJSON(f.urls.ServiceIndex(), http.StatusOK, &idx)
	for _, r := range idx.Resources {
		if r.Type == "PackageStaging/1.0.0" {
			return r.ID
		}
	}
	t.Fatal("the service index has no PackageStaging/1.0.0 resource")
	return ""
}

// stageRequest is the client's stage push: PUT {@id}/package, chunked.
func stageRequest(t *testing.T, base, key, file string, nupkg []byte, group string) *http.Request {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="package"; filename="`+file+`"`)
	h.Set("Content-Type", "application/octet-stream")
	pw, _ := mw.CreatePart(h)
	pw.Write(nupkg)
	if group != "" {
		gw, _ := mw.CreateFormField("groupId")
		gw.Write([]byte(group))
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPut, strings.TrimRight(base, "/")+"/package", io.NopCloser(&body)) // no length: chunked
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-NuGet-ApiKey", key)
	return req
}

// apiCall sends a staging API request with the key and an optional JSON body.
func apiCall(f *feed, method, url, key, body string) (*http.Response, []byte) {
	f.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, url, r)
	req.Header.Set("X-NuGet-ApiKey", key)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res := f.do(req)
	b, _ := io.ReadAll(res.Body)
	return res, b
}

type artifact struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	Kind    string `json:"kind"`
	Status  string `json:"status"`
	Group   *struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"group"`
	CanPromote    bool   `json:"canPromote"`
	ManagementURL string `json:"managementUrl"`
}

// stagedWorld is a registry where alice owns Alice.Lib 1.0.0, holds a
// staging-only key, and staged Alice.Lib 2.0.0 and the new ID Staged.New
// 1.0.0 in group release-1.
type stagedWorld struct {
	*uiFeed
	stageKey, readKey, pushKey, mallorysRead string
	staging                                  string
	nupkg                                    []byte
	groupID                                  int64
}

func newStagedWorld(t *testing.T) *stagedWorld {
	t.Helper()
	f := newUIFeed(t, uiConfig{staticCopy: true})
	ctx := context.Background()
	w := &stagedWorld{uiFeed: f}
	f.addUser("alice")
	f.addUser("mallory")
	w.pushKey = f.userKey("alice")
	mk := func(user string, scopes feeds.Scope) string {
		secret, _, err := f.reg.CreateKey(ctx, registry.NewKey{User: user, Scopes: scopes})
		if err != nil {
			t.Fatal(err)
		}
		return secret
	}
	w.stageKey = mk("alice", feeds.ScopeRead|feeds.ScopeStage)
	w.readKey = mk("alice", feeds.ScopeRead)
	w.mallorysRead = mk("mallory", feeds.ScopeRead)
	if res := f.push(w.pushKey, nugettest.Spec{ID: "Alice.Lib", Version: "1.0.0"}.Build()); res.StatusCode != http.StatusCreated {
		t.Fatalf("push: %s", res.Status)
	}
	w.staging = stagingURL(t, f.feed)
	w.nupkg = nugettest.Spec{ID: "Alice.Lib", Version: "2.0.0"}.Build()
	var a artifact
	res := f.do(stageRequest(t, w.staging, w.stageKey, "Alice.Lib.2.0.0.nupkg", w.nupkg, "release-1"))
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("stage push: %s %s", res.Status, b)
	}
	if err := json.Unmarshal(b, &a); err != nil || a.ID != "Alice.Lib" || a.Version != "2.0.0" || a.Kind != "package" || a.Group == nil || a.Group.ID != "release-1" || a.CanPromote {
		t.Fatalf("stage push answered %s (%v)", b, err)
	}
	w.groupID, _ = strconv.ParseInt(a.ManagementURL[strings.LastIndex(a.ManagementURL, "/")+1:], 10, 64)
	res = f.do(stageRequest(t, w.staging, w.stageKey, "x.nupkg", nugettest.Spec{ID: "Staged.New", Version: "1.0.0"}.Build(), "release-1"))
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("stage push of a new ID: %s", res.Status)
	}
	return w
}

// staticText is the whole static copy, to look for what it must not hold.
func (w *stagedWorld) staticText(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	ctx := context.Background()
	err := w.blobs.List(ctx, "static/", func(info storage.Info) error {
		r, err := w.blobs.Open(ctx, info.Key)
		if err != nil {
			return err
		}
		defer r.Close()
		b.WriteString(info.Key + "\n")
		_, err = io.Copy(&b, r)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.ToLower(b.String())
}

// invisible checks every surface of the feed for the staged versions.
func (w *stagedWorld) invisible(t *testing.T) {
	t.Helper()
	for _, base := range []string{"", "/feeds/default"} {
		var vs struct{ Versions []string }
		w.getJSON(w.srv.URL+base+"/v3/package/alice.lib/index.json", http.StatusOK, &vs)
		if strings.Join(vs.Versions, ",") != "1.0.0" {
			t.Errorf("%s versions list: %v, want only 1.0.0", base, vs.Versions)
		}
		if _, b := w.get(w.srv.URL + base + "/v3/registration/alice.lib/index.json"); strings.Contains(string(b), "2.0.0") {
			t.Errorf("%s registration shows the staged version: %s", base, b)
		}
		for _, u := range []string{"/v3/package/alice.lib/2.0.0/alice.lib.2.0.0.nupkg", "/v3/registration/alice.lib/2.0.0.json",
			"/v3/package/staged.new/index.json", "/v3/registration/staged.new/index.json", "/v3/package/staged.new/1.0.0/staged.new.1.0.0.nupkg"} {
			if res, _ := w.get(w.srv.URL + base + u); res.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s%s: %s, want 404", base, u, res.Status)
			}
		}
		var sr struct {
			TotalHits int `json:"totalHits"`
			Data      []struct {
				ID       string `json:"id"`
				Version  string `json:"version"`
				Versions []any  `json:"versions"`
			} `json:"data"`
		}
		w.getJSON(w.srv.URL+base+"/v3/search?prerelease=true&semVerLevel=2.0.0", http.StatusOK, &sr)
		if sr.TotalHits != 1 || len(sr.Data) != 1 || sr.Data[0].Version != "1.0.0" || len(sr.Data[0].Versions) != 1 {
			t.Errorf("%s search counts or shows staged versions: %+v", base, sr)
		}
	}
	if res, _ := w.get(w.srv.URL + "/packages/Alice.Lib/2.0.0"); res.StatusCode != http.StatusNotFound {
		t.Errorf("the staged version's page: %s, want 404", res.Status)
	}
	if res, _ := w.get(w.srv.URL + "/packages/Staged.New"); res.StatusCode != http.StatusNotFound {
		t.Errorf("the staged new ID's page: %s, want 404", res.Status)
	}
	if txt := w.staticText(t); strings.Contains(txt, "2.0.0") || strings.Contains(txt, "staged.new") {
		t.Errorf("the static copy holds staged versions")
	}
}

func TestStagedVersionsAreInvisibleUntilPromoted(t *testing.T) {
	w := newStagedWorld(t)
	w.invisible(t)

	// Staging the same bytes again changes nothing (CI retries): 200.
	res := w.do(stageRequest(t, w.staging, w.stageKey, "Alice.Lib.2.0.0.nupkg", w.nupkg, "release-1"))
	if res.StatusCode != http.StatusOK {
		t.Errorf("the same stage push again: %s, want 200", res.Status)
	}

	// The stage's own source: its owner's read key restores from it...
	src := w.srv.URL + "/stages/" + strconv.FormatInt(w.groupID, 10)
	withKey := func(path, key string) (*http.Response, []byte) {
		req, _ := http.NewRequest(http.MethodGet, src+path, nil)
		if key != "" {
			req.SetBasicAuth("alice", key)
		}
		res := w.do(req)
		b, _ := io.ReadAll(res.Body)
		return res, b
	}
	if res, b := withKey("/v3/index.json", w.readKey); res.StatusCode != http.StatusOK || !strings.Contains(string(b), "PackageBaseAddress/3.0.0") {
		t.Fatalf("stage index with the owner's read key: %s %s", res.Status, b)
	}
	if res, b := withKey("/v3/package/alice.lib/index.json", w.readKey); res.StatusCode != http.StatusOK || !strings.Contains(string(b), `"1.0.0","2.0.0"`) {
		t.Errorf("stage versions: %s %s, want 1.0.0 and 2.0.0", res.Status, b)
	}
	if res, b := withKey("/v3/package/alice.lib/2.0.0/alice.lib.2.0.0.nupkg", w.stageKey); res.StatusCode != http.StatusOK || !bytes.Equal(b, w.nupkg) {
		t.Errorf("staged .nupkg from the stage source: %s, %d bytes", res.Status, len(b))
	}
	if res, b := withKey("/v3/registration/staged.new/index.json", w.readKey); res.StatusCode != http.StatusOK || !strings.Contains(string(b), "1.0.0") {
		t.Errorf("stage registration of a new ID: %s %s", res.Status, b)
	}
	// ... and nobody else sees it.
	if res, _ := withKey("/v3/index.json", ""); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous stage index: %s, want 401", res.Status)
	}
	if res, _ := withKey("/v3/package/alice.lib/index.json", w.mallorysRead); res.StatusCode != http.StatusNotFound {
		t.Errorf("another user's read key on the stage source: %s, want 404", res.Status)
	}
	if res, _ := withKey("/v3/package/alice.lib/index.json", w.pushKey); res.StatusCode != http.StatusNotFound {
		t.Errorf("the owner's push-only key on the stage source: %s, want 404", res.Status)
	}
	w.invisible(t)
}

func TestStagingOnlyKeyCannotPush(t *testing.T) {
	w := newStagedWorld(t)
	res := w.push(w.stageKey, nugettest.Spec{ID: "Alice.Lib", Version: "3.0.0"}.Build())
	if res.StatusCode != http.StatusForbidden || !strings.Contains(res.Header.Get("X-NuGet-Warning"), "is limited to staging") {
		t.Fatalf("push with a staging-only key: %s %q", res.Status, res.Header.Get("X-NuGet-Warning"))
	}
	if p, err := w.reg.Package(context.Background(), "Alice.Lib"); err != nil || len(p.Versions) != 1 {
		t.Errorf("the refused push left versions behind: %v", err)
	}
	// A push key stages too, and a read-only key may not.
	rk := w.readKey
	if res := w.do(stageRequest(t, w.staging, rk, "a.nupkg", nugettest.Spec{ID: "Alice.Lib", Version: "4.0.0"}.Build(), "")); res.StatusCode != http.StatusForbidden {
		t.Errorf("stage push with a read-only key: %s, want 403", res.Status)
	}
	if res := w.do(stageRequest(t, w.staging, w.pushKey, "a.nupkg", nugettest.Spec{ID: "Alice.Lib", Version: "4.0.0"}.Build(), "")); res.StatusCode != http.StatusCreated {
		t.Errorf("stage push with a push key: %s, want 201", res.Status)
	}
}

func TestStagePromotionNeedsAFreshSignIn(t *testing.T) {
	w := newStagedWorld(t)
	b := w.signedIn(t, "alice")
	page := stagePageURL(w.groupID)
	if p := b.get(page); p.res.StatusCode != http.StatusOK || !strings.Contains(p.body, "Staged.New") {
		t.Fatalf("stage page: %s", p.res.Status)
	}
	w.clock.Advance(11 * time.Minute)
	p := b.postWith(page+"/promote", url.Values{"_csrf": {b.token()}}.Encode(), nil)
	if p.res.StatusCode != http.StatusForbidden || len(p.byTestID("sign-in-again")) != 1 {
		t.Fatalf("promotion 11 minutes after signing in: %s, want 403 with a sign-in link: %s", p.res.Status, p.testIDText("form-error"))
	}
	w.invisible(t)
	// Mallory, signed in a moment ago, finds nothing to promote.
	m := w.signedIn(t, "mallory")
	if res := m.post(page+"/promote", url.Values{"_csrf": {m.token()}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("another user's promotion: %s, want 404", res.Status)
	}
	b.signIn("alice")
	if res := b.post(page+"/promote", url.Values{"_csrf": {b.token()}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("promotion after a fresh sign-in: %s", res.Status)
	}
	var vs struct{ Versions []string }
	w.getJSON(w.srv.URL+"/v3/package/alice.lib/index.json", http.StatusOK, &vs)
	if strings.Join(vs.Versions, ",") != "1.0.0,2.0.0" {
		t.Errorf("versions after promotion: %v", vs.Versions)
	}
	if res, body := w.get(w.srv.URL + "/v3/package/alice.lib/2.0.0/alice.lib.2.0.0.nupkg"); res.StatusCode != http.StatusOK || !bytes.Equal(body, w.nupkg) {
		t.Errorf("promoted .nupkg: %s", res.Status)
	}
	w.getJSON(w.srv.URL+"/v3/package/staged.new/index.json", http.StatusOK, nil)
	if txt := w.staticText(t); !strings.Contains(txt, "2.0.0") || !strings.Contains(txt, "staged.new") {
		t.Errorf("the static copy lacks the promoted versions")
	}
	events, _ := w.reg.AuditLog(context.Background(), 100)
	n := 0
	for _, e := range events {
		if e.Kind == "version.promote" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d version.promote audit events, want 2", n)
	}
	if res, _ := apiCall(w.feed, http.MethodGet, strings.TrimRight(w.staging, "/")+"/groups/release-1", w.stageKey, ""); res.StatusCode != http.StatusNotFound {
		t.Errorf("the promoted group: %s, want 404 (groups end with their promotion)", res.Status)
	}
}

// stagePageURL mirrors web's: a stage group's page.
func stagePageURL(id int64) string { return "/account/stages/" + strconv.FormatInt(id, 10) }

// TestStagePromotionIsAllOrNothing: a group whose second package can no
// longer join the feed (its coordinates were pushed and deleted for good
// since it was staged) promotes nothing: the first package stays staged
// too, so the release is never half out.
func TestStagePromotionIsAllOrNothing(t *testing.T) {
	w := newStagedWorld(t)
	ctx := context.Background()
	if res := w.push(w.pushKey, nugettest.Spec{ID: "Staged.New", Version: "1.0.0"}.Build()); res.StatusCode != http.StatusCreated {
		t.Fatalf("direct push: %s", res.Status)
	}
	if _, err := w.reg.DeleteVersion(ctx, "Staged.New", "1.0.0", "pushed by mistake"); err != nil {
		t.Fatal(err)
	}
	b := w.signedIn(t, "alice")
	p := b.postWith(stagePageURL(w.groupID)+"/promote", url.Values{"_csrf": {b.token()}}.Encode(), nil)
	if p.res.StatusCode != http.StatusConflict || !strings.Contains(p.reason(), "Staged.New 1.0.0 was deleted") {
		t.Errorf("promotion of a group with a deleted version: %s %q, want 409 naming it", p.res.Status, p.reason())
	}
	if _, _, err := w.reg.Version(ctx, "Alice.Lib", "2.0.0"); err == nil {
		t.Error("the group's other package was promoted: the release is half out")
	}
	if p := b.get(stagePageURL(w.groupID)); p.res.StatusCode != http.StatusOK || len(p.byTestID("staged-row")) != 2 {
		t.Errorf("after the refused promotion the group holds %d packages, want both", len(p.byTestID("staged-row")))
	}
}
