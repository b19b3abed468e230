package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestOrgMemberAddInvites: `wharf org member add` invites, and the person
// is a member only after accepting in the web UI; --without-consent adds
// at once (issue 12, item 8).
func TestOrgMemberAddInvites(t *testing.T) {
	e := startWharf(t, nil)
	e.extraEnv = append(e.extraEnv, "WHARF_BASE_URL="+e.base)
	for _, u := range []string{"alice", "bob", "carol"} {
		e.wharfOK(t, "user", "add", u)
	}
	e.wharfOK(t, "org", "add", "contoso", "--admin", "alice")
	_, stderr := e.wharfOK(t, "org", "member", "add", "contoso", "bob", "--admin")
	if !strings.Contains(stderr, "bob is invited to join contoso as an admin") {
		t.Errorf("member add said %q, want that bob is invited", stderr)
	}
	members := func() string { out, _ := e.wharfOK(t, "org", "member", "list", "contoso"); return out }
	if out := members(); strings.Contains(out, "bob") {
		t.Fatalf("bob is a member before accepting:\n%s", out)
	}

	// bob accepts on his Organisations page.
	out, _ := e.wharfOK(t, "user", "login-link", "bob", "--expires", "5m")
	link := strings.TrimSpace(out)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Transport: &http.Transport{Proxy: nil}}
	csrf := regexp.MustCompile(`name="_csrf" value="([^"]+)"`)
	get := func(u string) string {
		res, err := c.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	post := func(u, page string) *http.Response {
		m := csrf.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no form on the page before POST %s", u)
		}
		res, err := c.PostForm(u, url.Values{"_csrf": {m[1]}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	post(link, get(link))
	page := get(e.base + "/account/organizations")
	if !strings.Contains(page, `data-testid="org-invitation" data-invitation="contoso"`) {
		t.Fatalf("bob's Organisations page shows no invitation to contoso:\n%s", page)
	}
	if res := post(e.base+"/account/organizations/contoso/accept", page); res.StatusCode != http.StatusOK {
		t.Fatalf("accept: %s", res.Status)
	}
	if out := members(); !regexp.MustCompile(`bob\s+admin`).MatchString(out) {
		t.Errorf("bob is not an admin after accepting:\n%s", out)
	}

	// The operator with the person's agreement adds at once.
	_, stderr = e.wharfOK(t, "org", "member", "add", "contoso", "carol", "--without-consent")
	if !strings.Contains(stderr, "carol is now a member of contoso") {
		t.Errorf("member add --without-consent said %q", stderr)
	}
	if out := members(); !regexp.MustCompile(`carol\s+member`).MatchString(out) {
		t.Errorf("carol is not a member after --without-consent:\n%s", out)
	}
}
