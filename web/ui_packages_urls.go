package web

import (
	"net/url"
	"strconv"
)

// The public pages' URLs, kept beside them; the rest of the builder is in
// urls.go.

// Home is the start page.
func (u URLs) Home() string { return u.base + "/" }

// SearchPage is the search page for a query, from page 1; prerelease
// includes prerelease versions.
func (u URLs) SearchPage(q string, page int, prerelease bool) string {
	v := url.Values{}
	if q != "" {
		v.Set("q", q)
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if prerelease {
		v.Set("prerelease", "true")
	}
	if len(v) == 0 {
		return u.base + "/packages"
	}
	return u.base + "/packages?" + v.Encode()
}

// OwnerSearch is the search for every package an account owns.
func (u URLs) OwnerSearch(owner string) string { return u.SearchPage("owner:"+owner, 1, true) }

// TagSearch is the search for the packages with a tag.
func (u URLs) TagSearch(tag string) string { return u.SearchPage("tags:"+tag, 1, true) }

// ManagePackage is where owners unlist versions and change owners.
func (u URLs) ManagePackage(id string) string { return u.base + "/packages/" + esc(id) + "/manage" }

// FeedsPage is the web UI's list of feeds.
func (u URLs) FeedsPage() string { return u.base + "/feeds" }

// ManageFeed is a feed's management page in the web UI.
func (u URLs) ManageFeed(name string) string { return u.base + "/account/feeds/" + esc(name) }

// FeedRetention is a feed's retention page (rules, plan, run) in the web UI.
func (u URLs) FeedRetention(name string) string { return u.ManageFeed(name) + "/retention" }
