package web

import (
	"bytes"
	"net/url"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	goldhtml "github.com/yuin/goldmark/renderer/html"
	"golang.org/x/net/html"
)

// readmeIDPrefix is put before every id in a README, and every link to
// one, so that a README cannot name an element of the page around it (a
// copy button's source, the skip link's target).
const readmeIDPrefix = "readme-"

// readmes turns README markdown into HTML that is safe to put in a page,
// and keeps what it rendered: rendering is the expensive part of a package
// page, and a version's README never changes. It is safe for concurrent use.
type readmes struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy

	mu       sync.Mutex
	cache    map[string]string
	size     int // bytes of HTML in cache
	maxBytes int
}

func newReadmes(maxBytes int) *readmes {
	md := goldmark.New(
		goldmark.WithExtensions(
			extension.NewTable(extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)), // the CSP forbids style attributes
			extension.Strikethrough, extension.Linkify, extension.TaskList,
		),
		goldmark.WithParserOptions(parser.WithAutoHeadingID()),
		// Raw HTML passes through here and is sanitised below: READMEs
		// use <img>, <details> and the like, which users expect to see.
		goldmark.WithRendererOptions(goldhtml.WithUnsafe()),
	)
	return &readmes{md: md, policy: bluemonday.UGCPolicy(), cache: map[string]string{}, maxBytes: maxBytes}
}

// get returns the HTML for key, rendering the markdown that load returns
// on a miss. A key names one version's README for good: the package ID,
// version and package hash.
func (r *readmes) get(key string, load func() ([]byte, error)) (string, error) {
	r.mu.Lock()
	h, ok := r.cache[key]
	r.mu.Unlock()
	if ok {
		return h, nil
	}
	src, err := load()
	if err != nil {
		return "", err
	}
	h = r.render(src)
	if len(h) > r.maxBytes {
		return h, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, old := range r.cache { // evict arbitrary entries until it fits
		if r.size+len(h) <= r.maxBytes {
			break
		}
		delete(r.cache, k)
		r.size -= len(old)
	}
	if _, dup := r.cache[key]; !dup {
		r.cache[key] = h
		r.size += len(h)
	}
	return h, nil
}

// render converts markdown (GitHub flavoured) to HTML, sanitises it with
// bluemonday's policy for user content (no script, style, event handlers,
// javascript: URLs, iframes or forms) and then confines it to the page:
// see confine.
func (r *readmes) render(src []byte) string {
	var buf bytes.Buffer
	if err := r.md.Convert(src, &buf); err != nil {
		// goldmark fails only when the writer does; a bytes.Buffer
		// does not.
		return ""
	}
	return confine(r.policy.SanitizeBytes(buf.Bytes()))
}

// confine rewrites sanitised README HTML so that it cannot break or
// impersonate the page it sits in:
//   - headings go two levels down, below the page's "README" heading;
//   - every id, and every link to a fragment, gets readmeIDPrefix;
//   - links that are relative (they would resolve against this site, where
//     the README's neighbouring files are not) lose their href and become
//     text;
//   - images not served over https (relative ones would 404 here, http ones
//     the CSP blocks) are replaced by their alt text.
func confine(sanitised []byte) string {
	var out strings.Builder
	out.Grow(len(sanitised) + len(sanitised)/16)
	z := html.NewTokenizer(bytes.NewReader(sanitised))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return out.String() // io.EOF: the input is in memory
		}
		tok := z.Token()
		isTag := tt == html.StartTagToken || tt == html.EndTagToken || tt == html.SelfClosingTagToken
		if isTag && isHeading(tok.Data) {
			// The README sits under the page's own h2: its h1 becomes h3.
			tok.Data = "h" + string(min(tok.Data[1]+2, '6'))
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			out.WriteString(tok.String())
			continue
		}
		if tok.Data == "img" {
			if src := attr(tok, "src"); !strings.HasPrefix(src, "https://") {
				out.WriteString(html.EscapeString(attr(tok, "alt")))
				continue
			}
		}
		kept := tok.Attr[:0]
		for _, a := range tok.Attr {
			switch {
			case a.Key == "id":
				a.Val = readmeIDPrefix + a.Val
			case a.Key == "href" && strings.HasPrefix(a.Val, "#"):
				a.Val = "#" + readmeIDPrefix + a.Val[1:]
			case a.Key == "href" && !isAbsoluteURL(a.Val):
				continue
			}
			kept = append(kept, a)
		}
		tok.Attr = kept
		out.WriteString(tok.String())
	}
}

// isHeading reports whether a tag name is h1 to h6.
func isHeading(tag string) bool {
	return len(tag) == 2 && tag[0] == 'h' && '1' <= tag[1] && tag[1] <= '6'
}

// attr returns the value of a token's attribute, or "".
func attr(t html.Token, key string) string {
	for _, a := range t.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// isAbsoluteURL reports whether u names its scheme and, for web URLs, a
// host: the sanitiser has already limited schemes to http, https and mailto.
func isAbsoluteURL(u string) bool {
	p, err := url.Parse(u)
	if err != nil || p.Scheme == "" {
		return false
	}
	return p.Scheme == "mailto" || p.Host != ""
}
