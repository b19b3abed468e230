// Package templates holds the web UI's templ components and the view
// models they take. Components only render: every value they show is in
// the view model, every URL comes from the web package's URL builder, and
// templ escapes all text. The generated *_templ.go files are committed;
// regenerate them with `go tool templ generate`.
package templates

// Page is what the layout needs on every page.
type Page struct {
	Title     string // the page's own title; the layout adds the site name
	Nav       string // which navigation entry is current: "packages", "keys", ...
	User      *User  // nil when signed out
	CSRF      string // token for every form that changes something
	Flash     string // a one-time notice from the previous action
	FlashKind string // "ok" or "error"
	Query     string // the search box's text
	StaticCSS string // URL of the style sheet
	StaticJS  string // URL of the script
	SignInURL string // where "Sign in" goes, returning here afterwards
}

// User is the signed-in user as the layout shows them.
type User struct {
	Name    string
	IsAdmin bool
}

// ErrorPage is a page that says what went wrong and what to do.
type ErrorPage struct {
	Page
	Status  int
	Heading string
	Message string
}

// ariaCurrent marks the navigation entry of the current page: "page" for
// it, nothing for the others (templ drops an empty attribute value's
// meaning, so the others get "false", which screen readers ignore).
func ariaCurrent(current bool) string {
	if current {
		return "page"
	}
	return "false"
}
