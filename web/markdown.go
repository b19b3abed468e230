package web

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	goldhtml "github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// readmeIDPrefix is put before every id in a README, and every link to
// one, so that a README cannot name an element of the page around it (a
// copy button's source, the skip link's target).
const readmeIDPrefix = "readme-"

// newMarkdown is the README converter: GitHub flavoured markdown with the
// guards of readme_limits.go in front of every parser.
func newMarkdown() goldmark.Markdown {
	return goldmark.New(
		goldmark.WithExtensions(
			extension.NewTable(extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)), // the CSP forbids style attributes
			extension.Strikethrough, extension.Linkify, extension.TaskList,
		),
		goldmark.WithParserOptions(append(guards(), parser.WithAutoHeadingID())...),
		// Raw HTML passes through here and is sanitised below: READMEs
		// use <img>, <details> and the like, which users expect to see.
		goldmark.WithRendererOptions(goldhtml.WithUnsafe()),
	)
}

// render converts markdown (GitHub flavoured) to HTML, sanitises it with
// bluemonday's policy for user content (no script, style, event handlers,
// javascript: URLs, iframes or forms) and then confines it to the page:
// see confine. A README over the bounds of readme_limits.go is not
// rendered: the answer is a refusal, a sentence for the page.
func (r *readmes) render(src []byte) (res readmeResult) {
	r.renders.Add(1)
	if len(src) > readmeMaxBytes {
		return refusal(fmt.Sprintf("it is larger than %d KB, the most this page shows", readmeMaxBytes>>10))
	}
	defer func() {
		// Renders run outside any request (see readmes.get), where a
		// panic would stop the server: a bug in the parser must cost
		// only this README.
		if v := recover(); v != nil {
			if tc, ok := v.(tooComplex); ok {
				res = refusal(tc.why)
				return
			}
			res = refusal("it could not be rendered")
		}
	}()
	pc := parser.NewContext()
	budget := &renderBudget{deadline: time.Now().Add(readmeRenderLimit)}
	pc.Set(budgetKey, budget)
	doc := r.md.Parser().Parse(text.NewReader(src), parser.WithContext(pc))
	budgetOf(pc)
	var buf bytes.Buffer
	if err := r.md.Renderer().Render(&buf, src, doc); err != nil {
		// goldmark fails only when the writer does; a bytes.Buffer
		// does not.
		return readmeResult{}
	}
	budgetOf(pc)
	return readmeResult{html: balance(confine(r.policy.SanitizeBytes(buf.Bytes())))}
}

// readmeContext is the element a README is put in on the package page.
var readmeContext = &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}

// balance parses README HTML as browsers parse it inside the page's
// <div class="readme">, then writes the tree back: every element it opens
// is closed, and end tags of elements it did not open are dropped, so an
// unclosed <table> or <details>, or a stray </div>, cannot take the rest
// of the page (owners, versions, download) into the README or out of
// its box.
func balance(confined string) string {
	nodes, err := html.ParseFragment(strings.NewReader(confined), readmeContext)
	if err != nil {
		return "" // only a failing reader errs; a strings.Reader does not
	}
	var out strings.Builder
	out.Grow(len(confined) + len(confined)/16)
	for _, n := range nodes {
		if err := html.Render(&out, n); err != nil {
			return ""
		}
	}
	return out.String()
}

// refusal is the result for a README that is not shown, and why.
func refusal(why string) readmeResult {
	return readmeResult{refused: "This README is not shown here: " + why + ". Download the package to read it."}
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
