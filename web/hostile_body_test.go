package web_test

import (
	"bytes"
	"io"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
)

// TestHostilePushBodies sends push bodies whose framing is wrong: a
// multipart body with another boundary, none, no part, an empty part, a
// body that is not a zip or is cut short. Each must get a 400 that says
// what is wrong, and store nothing.
func TestHostilePushBodies(t *testing.T) {
	f := newFeed(t)
	f.mustPush(widget("1.0.0"))
	before := f.stored()
	pkg := nugettest.Spec{ID: "Framed.Pkg", Version: "1.0.0"}.Build()
	good, contentType := nugettest.PushBody(pkg)
	head, tail := nugettest.PushFraming()
	const form = "multipart/form-data; boundary=b"
	tests := []struct {
		name, contentType string
		body              []byte
		says              string
	}{
		{"wrong boundary", "multipart/form-data; boundary=other", good,
			"The multipart request has no part: its body never starts one with the boundary 'other' that its Content-Type names."},
		{"no boundary", "multipart/form-data", good, "The multipart request has no boundary."},
		{"no part", form, []byte("--b--\r\n"), "The multipart request has no part"},
		{"empty part", contentType, append(append([]byte{}, head...), tail...), "The request contains no package."},
		{"part never ends", contentType, append(append([]byte{}, head...), pkg...), "The upload was interrupted before the package was complete"},
		{"raw body that is not a zip", "application/octet-stream", []byte("<html>not a package</html>"),
			"The package is not a valid .nupkg (zip) file: its zip directory is missing or damaged."},
		{"truncated zip", "application/octet-stream", pkg[:len(pkg)-30], "The package is not a valid .nupkg (zip) file"},
		{"truncated zip in a part", contentType, append(append(append([]byte{}, head...), pkg[:len(pkg)/2]...), tail...),
			"The package is not a valid .nupkg (zip) file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPut, f.urls.Publish(), bytes.NewReader(tc.body))
			req.Header.Set("Content-Type", tc.contentType)
			req.Header.Set("X-NuGet-ApiKey", f.key)
			wantRefused(t, f.do(req), http.StatusBadRequest, tc.says)
			f.unchanged(t, before)
		})
	}
}

// TestHugeMultipartWithoutPackage sends WHARF_HOSTILE_BODY_MB (100) MB
// multipart bodies that hold no package: no boundary in short lines, no
// line break at all, and a first part that is a form field. Each must be
// refused without the server holding the body in memory, in about the
// time it takes to read it, and store nothing.
func TestHugeMultipartWithoutPackage(t *testing.T) {
	f := newFeed(t)
	size := hostileBodyBytes(t)
	before := f.stored()
	tests := []struct {
		name string
		body io.Reader
		says string
	}{
		{"short lines without the boundary", repeat("not the boundary\r\n", size), "The multipart request has no part"},
		{"one line without a break", repeat("x", size), "The multipart request holds no package part"},
		{"a form field as the first part", io.MultiReader(bytes.NewReader([]byte("--b\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n")),
			repeat("x", size), bytes.NewReader([]byte("\r\n--b--\r\n"))), "The package is not a valid .nupkg (zip) file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPut, f.urls.Publish(), tc.body)
			req.Header.Set("Content-Type", "multipart/form-data; boundary=b")
			req.Header.Set("X-NuGet-ApiKey", f.key)
			var m0, m1 runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&m0)
			start := time.Now()
			res := f.do(req)
			took := time.Since(start)
			runtime.ReadMemStats(&m1)
			wantRefused(t, res, http.StatusBadRequest, tc.says)
			allocated := m1.TotalAlloc - m0.TotalAlloc
			t.Logf("%d MB refused in %v, %.1f MB allocated by the whole process", size>>20, took.Round(time.Millisecond), float64(allocated)/(1<<20))
			if allocated > uint64(size)/4 {
				t.Errorf("the process allocated %d MB for a %d MB body: the body is being buffered", allocated>>20, size>>20)
			}
			if limit := 30 * time.Second; took > limit {
				t.Errorf("refusing took %v, over %v", took, limit)
			}
			f.unchanged(t, before)
		})
	}
}

// repeat returns a reader of n bytes repeating pattern, without holding
// them in memory.
func repeat(pattern string, n int64) io.Reader {
	chunk := bytes.Repeat([]byte(pattern), 64<<10/len(pattern)+1)
	return io.LimitReader(&cycle{chunk: chunk}, n)
}

// cycle reads its chunk over and over.
type cycle struct {
	chunk []byte
	off   int
}

func (c *cycle) Read(p []byte) (int, error) {
	n := copy(p, c.chunk[c.off:])
	c.off = (c.off + n) % len(c.chunk)
	return n, nil
}
