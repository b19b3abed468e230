package registry

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestOSVRanges: OSV range events become NuGet ranges as the import
// documents it.
func TestOSVRanges(t *testing.T) {
	type ev = struct {
		Introduced   string `json:"introduced"`
		Fixed        string `json:"fixed"`
		LastAffected string `json:"last_affected"`
	}
	for _, c := range []struct {
		name   string
		events []ev
		want   string
	}{
		{"from the start to a fix", []ev{{Introduced: "0"}, {Fixed: "1.2.3"}}, "(, 1.2.3)"},
		{"between versions", []ev{{Introduced: "1.0.0"}, {Fixed: "1.2.3"}}, "[1.0.0, 1.2.3)"},
		{"up to the last affected", []ev{{Introduced: "1.0.0"}, {LastAffected: "1.4.0"}}, "[1.0.0, 1.4.0]"},
		{"never fixed", []ev{{Introduced: "2.0.0"}}, "[2.0.0, )"},
		{"everything", []ev{{Introduced: "0"}}, "(, )"},
		{"two windows", []ev{{Introduced: "0"}, {Fixed: "1.0.1"}, {Introduced: "2.0.0"}, {Fixed: "2.0.3"}}, "(, 1.0.1) [2.0.0, 2.0.3)"},
		{"a fix without an introduction is ignored", []ev{{Fixed: "1.0.0"}}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := strings.Join(osvRanges(c.events), " "); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

// TestReadOSVZip: a zip export is read member by member; members that are
// not .json are skipped, a member too large is refused with a sentence.
func TestReadOSVZip(t *testing.T) {
	build := func(files map[string][]byte) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for name, data := range files {
			w, _ := zw.Create(name)
			w.Write(data)
		}
		zw.Close()
		return buf.Bytes()
	}
	doc, _ := json.Marshal(map[string]any{"id": "GHSA-zzzz-zzzz-zzzz", "modified": "2026-01-01T00:00:00Z"})
	z := build(map[string][]byte{"nuget/GHSA-zzzz-zzzz-zzzz.json": doc, "README.txt": []byte("hello")})
	docs, err := readOSV(bytes.NewReader(z), int64(len(z)))
	if err != nil || len(docs) != 1 || docs[0].ID != "GHSA-zzzz-zzzz-zzzz" {
		t.Fatalf("readOSV = %+v, %v", docs, err)
	}
	big := build(map[string][]byte{"big.json": bytes.Repeat([]byte(" "), MaxImportDocument+1)})
	if _, err := readOSV(bytes.NewReader(big), int64(len(big))); Message(err) == "" || !strings.Contains(Message(err), "larger than") {
		t.Errorf("a member over the limit: %v", err)
	}
}
