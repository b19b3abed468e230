package web

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wharf-registry/wharf/internal/fuzzseed"
	"github.com/wharf-registry/wharf/internal/registry"
)

// fuzzMaxPackage is the package size limit while fuzzing: small, so that
// fuzzed bodies reach it.
const fuzzMaxPackage = 512

// FuzzSpoolUpload sends fuzzed push bodies (raw or multipart, with or
// without a Content-Length) through spoolUpload. A refusal must be an
// ErrInvalid or ErrTooLarge with one sentence and leave no file in the
// spool; an accepted body must be spooled whole: the raw body, or exactly
// the first part as mime/multipart reads it, within the size limit. Seeds:
// testdata/fuzz/FuzzSpoolUpload.
func FuzzSpoolUpload(f *testing.F) {
	dir := f.TempDir()
	s := &Server{tempDir: dir}
	f.Fuzz(func(t *testing.T, contentType string, body []byte, withLength bool) {
		req, _ := http.NewRequest(http.MethodPut, "http://wharf.test/api/v2/package/", bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		if !withLength {
			req.ContentLength = -1
		}
		file, n, err := s.spoolUpload(req, fuzzMaxPackage)
		if err != nil {
			var re *registry.Error
			if !errors.As(err, &re) || !errors.Is(err, registry.ErrInvalid) && !errors.Is(err, registry.ErrTooLarge) {
				t.Fatalf("error %T (%v) is neither ErrInvalid nor ErrTooLarge", err, err)
			}
			if re.Message == "" || strings.ContainsAny(re.Message, "\r\n") || !utf8.ValidString(re.Message) {
				t.Fatalf("refusal %q is not one sentence", re.Message)
			}
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Fatalf("a refused upload left %s in the spool", left[0].Name())
			}
			return
		}
		defer func() { file.Close(); os.Remove(file.Name()) }()
		spooled, _ := os.ReadFile(file.Name())
		if int64(len(spooled)) != n || n == 0 || n > fuzzMaxPackage {
			t.Fatalf("spooled %d bytes, reported %d, limit %d", len(spooled), n, fuzzMaxPackage)
		}
		if want := firstPart(contentType, body); !bytes.Equal(spooled, want) {
			t.Fatalf("spooled %q, want %q", spooled, want)
		}
	})
}

// firstPart is what a push body carries: the first part of a multipart
// body, else the body itself.
func firstPart(contentType string, body []byte) []byte {
	mediaType, params, _ := mime.ParseMediaType(contentType)
	if mediaType != "multipart/form-data" {
		return body
	}
	part, err := multipart.NewReader(bytes.NewReader(body), params["boundary"]).NextPart()
	if err != nil {
		return nil
	}
	b, _ := io.ReadAll(part)
	return b
}

// TestFuzzSeeds keeps testdata/fuzz in step with the seeds below; run it
// with -update-seeds after changing them.
func TestFuzzSeeds(t *testing.T) {
	const ct = "multipart/form-data; boundary=b"
	part := func(headers, content string) []byte {
		return []byte("--b\r\n" + headers + "\r\n\r\n" + content + "\r\n--b--\r\n")
	}
	file := `Content-Disposition: form-data; name="package"; filename="package.nupkg"` + "\r\nContent-Type: application/octet-stream"
	S := fuzzseed.S
	fuzzseed.Check(t, "FuzzSpoolUpload",
		S("multipart", ct, part(file, "PK\x03\x04 the package"), true),
		S("multipart-chunked", ct, part(file, "PK\x03\x04 the package"), false),
		S("raw", "application/octet-stream", []byte("PK\x03\x04 the package"), true),
		S("no-content-type", "", []byte("PK\x03\x04"), false),
		S("empty-raw", "", []byte{}, true),
		S("no-boundary", "multipart/form-data", part(file, "x"), true),
		S("wrong-boundary", "multipart/form-data; boundary=other", part(file, "x"), true),
		S("no-part", ct, []byte("--b--\r\n"), true),
		S("preamble-only", ct, []byte(strings.Repeat("no boundary here\r\n", 20)), true),
		S("long-preamble-line", ct, []byte(strings.Repeat("x", 5000)), true),
		S("field-part", ct, part(`Content-Disposition: form-data; name="note"`, "hello"), true),
		S("empty-part", ct, part(file, ""), true),
		S("unterminated-part", ct, []byte("--b\r\n"+file+"\r\n\r\nPK\x03\x04"), true),
		S("malformed-part-header", ct, part("Content-Disposition form-data\rx", "x"), true),
		S("too-large-raw", "", bytes.Repeat([]byte("x"), fuzzMaxPackage+1), true),
		S("too-large-part", ct, part(file, strings.Repeat("x", fuzzMaxPackage+1)), false),
		S("quoted-boundary", `multipart/form-data; boundary="b"`, part(file, "x"), true),
		S("mixed-case-type", "Multipart/Form-Data; boundary=b", part(file, "x"), true))
}
