// Package templates holds the web UI's templ components and the view
// models they take. Components only render: every value they show is in
// the view model, every URL comes from the web package's URL builder, and
// templ escapes all text. The generated *_templ.go files are committed;
// regenerate them with `go tool templ generate`.
package templates

import "strings"

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
	// NoSiteSearch leaves the search box out of the header, on pages that
	// have their own (the start and search pages): one search box a page.
	NoSiteSearch bool
	// Problem, when a form was refused, is its error shown at the top of
	// the page and linked to the field it is about, which shows it too.
	Problem *Problem
}

// Problem is a refused form's error as the top of the page shows it.
type Problem struct {
	Message string
	InputID string // the id of the input it is about; "" when none
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

// describedBy joins the ids an input's aria-describedby names, leaving
// out empty ones.
func describedBy(ids ...string) string {
	out := ""
	for _, id := range ids {
		if id == "" {
			continue
		}
		if out != "" {
			out += " "
		}
		out += id
	}
	return out
}

// errorID is the id of an input's error message when it has one, else "".
func errorID(inputID string, hasError bool) string {
	if !hasError {
		return ""
	}
	return inputID + "-error"
}

// ariaInvalid is an input's aria-invalid value.
func ariaInvalid(hasError bool) string {
	if hasError {
		return "true"
	}
	return "false"
}

// slug turns a name into an id part: ".NET CLI" → "net-cli".
func slug(name string) string {
	out := make([]byte, 0, len(name))
	dash := false
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && len(out) > 0 {
				out = append(out, '-')
			}
			out, dash = append(out, byte(r)), false
		} else {
			dash = true
		}
	}
	return string(out)
}

// errOn is a form's error when it is about the input id, else "".
func errOn(msg, at, id string) string {
	if at == id {
		return msg
	}
	return ""
}

// hintID is the id of an input's hint when it has one, else "".
func hintID(inputID, hint string) string {
	if hint == "" {
		return ""
	}
	return inputID + "-hint"
}
