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

// TestLoginLinkCommand: on a fresh install without any sign-in provider,
// `wharf user login-link NAME` prints a URL that signs NAME in to the web
// UI once; the second use is refused with a sentence.
func TestLoginLinkCommand(t *testing.T) {
	e := startWharf(t, nil)
	e.wharfOK(t, "user", "add", "ops", "--admin")
	out, _ := e.wharfOK(t, "user", "login-link", "ops", "--expires", "5m")
	link := strings.TrimSpace(out)
	if !strings.HasPrefix(link, e.base+"/sign-in/link/wharf_") {
		t.Fatalf("login-link printed %q", out)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Transport: &http.Transport{Proxy: nil}}
	csrf := regexp.MustCompile(`name="_csrf" value="([^"]+)"`)
	use := func() (*http.Response, string) {
		res, err := c.Get(link)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		m := csrf.FindSubmatch(b)
		if m == nil {
			t.Fatalf("the link's page has no form: %s", b)
		}
		res, err = c.PostForm(link, url.Values{"_csrf": {string(m[1])}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ = io.ReadAll(res.Body)
		res.Body.Close()
		return res, string(b)
	}
	if res, body := use(); res.StatusCode != http.StatusOK || !strings.Contains(body, `data-testid="signed-in-as">ops<`) {
		t.Fatalf("first use: %s, signed in = %v", res.Status, strings.Contains(body, "signed-in-as"))
	}
	res, err := c.Get(e.base + "/admin/users")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("admin page after signing in with the link: %v %v", res.Status, err)
	}
	res.Body.Close()
	jar2, _ := cookiejar.New(nil)
	c.Jar = jar2
	if res, body := use(); res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "already used") {
		t.Errorf("second use: %s, want 401 saying it was already used", res.Status)
	}
}
