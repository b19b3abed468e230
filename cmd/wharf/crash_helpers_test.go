// Helpers for the kill -9 harness in crash_test.go: pushes that upload at
// a chosen pace, and a check of the data directory that reads the SQLite
// database and the packages folder directly, without Wharf's code.
package main

import (
	"archive/zip"
	"bytes"
	"crypto/sha512"
	"database/sql"
	"encoding/base64"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3" // the "sqlite3" database/sql driver

	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/testenv/tmpfs"
)

// crashPush is one package a round pushes, and what became of it.
type crashPush struct {
	id, version string // as pushed; version normalized
	body        []byte
	pace        time.Duration // pause between 64 KB chunks of the upload
	acked       bool          // the server answered 201
}

func (p *crashPush) key() string { return strings.ToLower(p.id) + "/" + p.version }

// slowReader hands out at most 64 KB per Read, pausing before each.
type slowReader struct {
	r    io.Reader
	pace time.Duration
}

func (s *slowReader) Read(p []byte) (int, error) {
	time.Sleep(s.pace)
	return s.r.Read(p[:min(len(p), 64<<10)])
}

// send pushes p with key and returns the status, or the transport error
// (the server was killed).
func (e *e2e) send(p *crashPush, key string) (int, error) {
	b, ct := nugettest.PushBody(p.body)
	var body io.Reader = bytes.NewReader(b)
	if p.pace > 0 {
		body = &slowReader{r: body, pace: p.pace}
	}
	req, _ := http.NewRequest(http.MethodPut, e.base+"/api/v2/package/", body)
	req.ContentLength = int64(len(b))
	req.Header.Set("Content-Type", ct)
	req.Header.Set("X-NuGet-ApiKey", key)
	res, err := e.http.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, nil
}

// storedVersion is a package_versions row and its package's name.
type storedVersion struct {
	name, lowerID, version, lowerVersion, sha, prefix string
	size                                              int64
}

// dataDirState is what checkDataDir found.
type dataDirState struct {
	rows    map[string]storedVersion // by lowercased ID + "/" + lowercased version
	orphans []string                 // files under packages/ that no row uses
}

// checkDataDir reads the SQLite database and the packages folder of a
// data directory and fails the test unless they agree: every version row
// has its .nupkg, with the recorded size and SHA-512 and the bytes some
// client pushed (pushed, by key()), and its .nuspec. The bytes of a blob
// prefix are compared once (hashed remembers which); its files are never
// written again, so later calls compare sizes. Files no row uses are
// returned as orphans (the static copy is not looked at); the temporary
// folders may hold only Wharf's own temporary files.
func checkDataDir(t *testing.T, data string, pushed map[string][]byte, hashed map[string]bool) dataDirState {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(data, "wharf.db")+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT p.name, p.lower_name, v.version, v.lower_version, v.size, v.sha512, v.blob_prefix
		FROM package_versions v JOIN packages p ON p.id = v.package_id`)
	if err != nil {
		t.Fatalf("reading the versions from the database: %v", err)
	}
	defer rows.Close()
	st := dataDirState{rows: map[string]storedVersion{}}
	used := map[string]bool{}
	for rows.Next() {
		var v storedVersion
		if err := rows.Scan(&v.name, &v.lowerID, &v.version, &v.lowerVersion, &v.size, &v.sha, &v.prefix); err != nil {
			t.Fatal(err)
		}
		k := v.lowerID + "/" + v.lowerVersion
		st.rows[k] = v
		nupkg := v.prefix + "/" + v.lowerID + "." + v.lowerVersion + ".nupkg"
		nuspec := v.prefix + "/" + v.lowerID + ".nuspec"
		used[nupkg], used[nuspec] = true, true
		path := filepath.Join(data, "packages", nupkg)
		fi, err := os.Stat(path)
		switch {
		case err != nil:
			t.Errorf("%s %s is in the database but its .nupkg is not stored: %v", v.name, v.version, err)
		case fi.Size() != v.size:
			t.Errorf("%s %s: the stored .nupkg has %d bytes, the database records %d", v.name, v.version, fi.Size(), v.size)
		case !hashed[v.prefix]:
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha512.Sum512(b)
			if base64.StdEncoding.EncodeToString(sum[:]) != v.sha {
				t.Errorf("%s %s: the stored .nupkg does not have the SHA-512 recorded", v.name, v.version)
			}
			if !bytes.Equal(b, pushed[k]) {
				t.Errorf("%s %s: the stored .nupkg is not the package pushed", v.name, v.version)
			}
			hashed[v.prefix] = true
		}
		if _, err := os.Stat(filepath.Join(data, "packages", nuspec)); err != nil {
			t.Errorf("%s %s is in the database but its .nuspec is not stored: %v", v.name, v.version, err)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(data, "packages")
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel := filepath.ToSlash(strings.TrimPrefix(path, root+string(filepath.Separator)))
		switch {
		case strings.HasPrefix(rel, ".tmp/"):
			if !strings.HasPrefix(d.Name(), "put-") {
				t.Errorf("unexpected file in the store's temporary folder: %s", rel)
			}
		case rel == tmpfs.FillerName: // the disk tests' filler
		case strings.HasPrefix(rel, "static/"), strings.HasPrefix(rel, "static-state/"):
			// The static copy of the restore path: not package files;
			// 'wharf check --static' compares it with the database.
		case !used[rel]:
			st.orphans = append(st.orphans, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	spool, _ := os.ReadDir(filepath.Join(data, "tmp"))
	for _, f := range spool {
		if !strings.HasPrefix(f.Name(), "upload-") {
			t.Errorf("unexpected file in the upload spool: %s", f.Name())
		}
	}
	return st
}

// checkVersionsServed requires the feed's versions list of every package
// in the database to be exactly its rows, in NuGet order.
func checkVersionsServed(t *testing.T, e *e2e, st dataDirState) {
	t.Helper()
	byID := map[string][]nuget.Version{}
	for _, v := range st.rows {
		nv, err := nuget.ParseVersion(v.version)
		if err != nil {
			t.Fatalf("stored version %q: %v", v.version, err)
		}
		byID[v.lowerID] = append(byID[v.lowerID], nv)
	}
	for id, vs := range byID {
		slices.SortFunc(vs, func(a, b nuget.Version) int { return a.Compare(b) })
		want := make([]string, len(vs))
		for i, v := range vs {
			want[i] = v.Lower()
		}
		if got := e.versions(t, id); !slices.Equal(got, want) {
			t.Errorf("the feed lists %s versions %q; the database has %q", id, got, want)
		}
	}
}

// ageFiles sets the modification time of every file under dir (which may
// not exist) back by d, as if they had been left there that long ago.
func ageFiles(t *testing.T, dir string, d time.Duration) int {
	t.Helper()
	n := 0
	then := time.Now().Add(-d)
	err := filepath.WalkDir(dir, func(path string, de fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		if de.IsDir() {
			return nil
		}
		n++
		return os.Chtimes(path, then, then)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func describe(ps []*crashPush) string {
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, " %s", p.key())
	}
	return b.String()
}

// storedPackage builds a .nupkg with spec's manifest and size bytes of
// random content, uncompressed: deflating megabytes under the race
// detector would take longer than the round.
func storedPackage(spec nugettest.Spec, size int) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name string, data []byte) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		if err != nil {
			panic(err)
		}
		w.Write(data)
	}
	add(spec.ID+".nuspec", []byte(spec.Nuspec()))
	payload := make([]byte, size)
	var seed [32]byte
	copy(seed[:], spec.ID+spec.Version)
	rand.NewChaCha8(seed).Read(payload)
	add("lib/netstandard2.0/"+spec.ID+".dll", payload)
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}
