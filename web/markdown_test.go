package web

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestReadmeRender(t *testing.T) {
	r := newReadmes(1 << 20)
	tests := []struct{ name, md, want string }{
		{"heading two levels down, id prefixed", "# Title", `<h3 id="readme-title">Title</h3>`},
		{"h6 stays h6", "###### Deep", `<h6 id="readme-deep">Deep</h6>`},
		{"fragment link prefixed", "[a](#usage)", `<a href="#readme-usage" rel="nofollow">a</a>`},
		{"relative link becomes text", "[guide](docs/guide.md)", `<a rel="nofollow">guide</a>`},
		{"protocol-relative link becomes text", `<a href="//evil.example/x">x</a>`, `<a rel="nofollow">x</a>`},
		{"absolute link kept", "<https://example.com/a?b=1&c=2>", `<a href="https://example.com/a?b=1&amp;c=2" rel="nofollow">https://example.com/a?b=1&amp;c=2</a>`},
		{"mailto kept", "[m](mailto:a@example.com)", `<a href="mailto:a@example.com" rel="nofollow">m</a>`},
		{"https image kept", "![logo](https://example.com/l.png)", `<img src="https://example.com/l.png" alt="logo"/>`},
		{"relative image becomes its alt text", "![the logo](img/logo.png)", `<p>the logo</p>`},
		{"http image becomes its alt text", `<p><img src="http://example.com/x.png" alt="an image"></p>`, `<p>an image</p>`},
		{"raw ids prefixed", `<span id="main">m</span>`, `<span id="readme-main">m</span>`},
		{"script removed", "<script>alert(1)</script>", ``},
		{"event handler removed", `<b onmouseover="alert(1)">b</b>`, `<b>b</b>`},
		{"javascript link loses its link", "[x](javascript:alert(1))", `<p>x</p>`},
		{"text in code escaped", "`<b>`", `<code>&lt;b&gt;</code>`},
		{"table alignment as attribute", "|a|\n|-:|\n|1|", `<td align="right">1</td>`},
		{"strikethrough and task list", "~~old~~\n\n- [x] done", `<del>old</del>`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := strings.TrimSpace(r.render([]byte(tc.md)).html)
			if !strings.Contains(got, tc.want) {
				t.Errorf("render(%q) =\n%s\nwant it to contain\n%s", tc.md, got, tc.want)
			}
		})
	}
}

func TestReadmeCacheIsBounded(t *testing.T) {
	ctx := context.Background()
	r := newReadmes(100)
	loads := 0
	load := func(md string) func(context.Context) ([]byte, error) {
		return func(context.Context) ([]byte, error) { loads++; return []byte(md), nil }
	}
	get := func(key string, l func(context.Context) ([]byte, error)) (readmeResult, error) {
		res, ready, err := r.get(ctx, key, time.Minute, l)
		if !ready {
			t.Fatalf("get %s: not ready within a minute", key)
		}
		return res, err
	}
	for _, k := range []string{"a", "a", "b", "c"} {
		if _, err := get(k, load("some *text* for "+k)); err != nil {
			t.Fatal(err)
		}
	}
	if loads != 3 {
		t.Errorf("%d loads for a, a, b, c: want the second a from the cache", loads)
	}
	if r.size > r.maxBytes || r.size <= 0 {
		t.Errorf("cache holds %d bytes, bound %d", r.size, r.maxBytes)
	}
	big := strings.Repeat("word ", 100)
	if res, _ := get("big", load(big)); !strings.Contains(res.html, "word") || r.cache["big"].html != "" {
		t.Error("a README larger than the cache is rendered but must not be kept")
	}
	want := errors.New("storage down")
	if _, err := get("d", func(context.Context) ([]byte, error) { return nil, want }); !errors.Is(err, want) {
		t.Errorf("load error = %v", err)
	}
	if _, ok := r.cache["d"]; ok {
		t.Error("a failed load was cached")
	}
}

// TestReadmeRefusalSurvivesEviction: once a README is refused, views of
// other READMEs that evict the whole cache cannot make it render again.
func TestReadmeRefusalSurvivesEviction(t *testing.T) {
	ctx := context.Background()
	r := newReadmes(1 << 10)
	hostile := func(context.Context) ([]byte, error) { return []byte(strings.Repeat("> ", 1000)), nil }
	res, _, _ := r.get(ctx, "hostile", time.Minute, hostile)
	if !strings.Contains(res.refused, "nest more than") {
		t.Fatalf("deeply nested README: %+v, want a refusal", res)
	}
	for i := range 100 { // 100 KB of other READMEs through a 1 KB cache
		r.get(ctx, strconv.Itoa(i), time.Minute, func(context.Context) ([]byte, error) { return []byte(strings.Repeat("x", 1000)), nil })
	}
	before := r.renders.Load()
	if res, _, _ := r.get(ctx, "hostile", time.Minute, hostile); res.refused == "" || r.renders.Load() != before {
		t.Errorf("after evictions the refused README rendered again (%d renders, result %+v)", r.renders.Load()-before, res)
	}
}

// BenchmarkReadmeRender is the cost that the README cache saves: a 20 KB
// README through markdown, the sanitiser and confine.
func BenchmarkReadmeRender(b *testing.B) {
	r := newReadmes(0)
	src := []byte("# Title\n\n" + strings.Repeat("## Part\n\nSome *prose*, a [link](https://example.com/x) and `code`.\n\n"+
		"```csharp\nvar widget = new Widget { Size = 3 };\n```\n\n| Option | Default |\n|---|--:|\n| size | 3 |\n\n", 80))
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		r.render(src)
	}
}
