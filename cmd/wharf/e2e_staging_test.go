package main

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// stageHTTP stages a .nupkg as NuGet's staging client (dotnet nuget stage
// push) does: PUT {PackageStaging/1.0.0}/package, multipart with parts
// "package" and "groupId", the key in X-NuGet-ApiKey. It returns the
// status and the artifact's managementUrl.
func (e *e2e) stageHTTP(t *testing.T, key, nupkg, group string) (int, string) {
	t.Helper()
	b, err := os.ReadFile(nupkg)
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="package"; filename="`+filepath.Base(nupkg)+`"`)
	h.Set("Content-Type", "application/octet-stream")
	pw, _ := mw.CreatePart(h)
	pw.Write(b)
	fw, _ := mw.CreateFormField("groupId")
	fw.Write([]byte(group))
	mw.Close()
	staging := e.resource(t, "PackageStaging/1.0.0")
	req, _ := http.NewRequest(http.MethodPut, strings.TrimRight(staging, "/")+"/package", io.NopCloser(&body))
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-NuGet-ApiKey", key)
	res, err := e.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var a struct {
		ManagementURL string `json:"managementUrl"`
	}
	json.NewDecoder(res.Body).Decode(&a)
	return res.StatusCode, a.ManagementURL
}

// TestE2EStagedRelease: CI stages a package with a staging-only key;
// NuGet.exe cannot push with that key, does not find the staged version
// in the feed, and restores it from the stage's own source with the
// owner's read key; the operator promotes it for alice, and NuGet.exe
// then installs it from the feed.
func TestE2EStagedRelease(t *testing.T) {
	e := newE2E(t)
	e.apiKey(t, "alice")
	stageKey, _ := e.addKey(t, "--user", "alice", "--scope", "read,stage")
	readKey, _ := e.addKey(t, "--user", "alice", "--scope", "read")
	nupkg := e.pack(t, pkg{ID: "Staged.Lib", Version: "1.0.0"})

	e.pushFails(t, nupkg, stageKey, "limited to staging")
	status, manage := e.stageHTTP(t, stageKey, nupkg, "release-1")
	if status != http.StatusCreated {
		t.Fatalf("stage push: %d", status)
	}
	id := manage[strings.LastIndex(manage, "/")+1:]
	stageSource := e.base + "/stages/" + id + "/v3/index.json"

	install := func(cfg, source string) []string {
		out, err := os.MkdirTemp(e.work, "out-")
		if err != nil {
			t.Fatal(err)
		}
		return []string{"install", "Staged.Lib", "-Version", "1.0.0", "-Source", source, "-ConfigFile", cfg, "-OutputDirectory", out}
	}
	feedCfg := e.sourceConfig(t, e.feed, readKey)
	e.nugetFails(t, []string{"Staged.Lib"}, install(feedCfg, e.feed)...)
	stageCfg := e.sourceConfig(t, stageSource, readKey)
	e.nugetOK(t, install(stageCfg, stageSource)...)
	e.nugetFails(t, []string{"401"}, install(e.sourceConfig(t, stageSource, ""), stageSource)...)

	out, _ := e.wharfOK(t, "stage", "list")
	if !strings.Contains(out, "release-1") || !strings.Contains(out, "alice") {
		t.Errorf("wharf stage list:\n%s", out)
	}
	out, _ = e.wharfOK(t, "stage", "show", id)
	if !strings.Contains(out, "Staged.Lib") || !strings.Contains(out, "/stages/"+id+"/v3/index.json") {
		t.Errorf("wharf stage show:\n%s", out)
	}
	if _, stderr, code := e.wharf(t, "stage", "promote", id); code == 0 || !strings.Contains(stderr, "--as USER") {
		t.Errorf("promote without --as: exit %d %q", code, stderr)
	}
	e.wharfOK(t, "stage", "promote", id, "--as", "alice")
	e.nugetOK(t, install(feedCfg, e.feed)...)
	out, _ = e.wharfOK(t, "audit")
	if !strings.Contains(out, "version.promote") {
		t.Errorf("the audit log has no version.promote:\n%s", out)
	}
}
