package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/db/pgtest"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/storage"
	"github.com/wharf-registry/wharf/internal/storage/fs"
	"github.com/wharf-registry/wharf/internal/storage/s3"
	"github.com/wharf-registry/wharf/internal/storage/s3/s3test"
	"github.com/wharf-registry/wharf/internal/testenv"
)

// TestMigrateToPostgres fills a registry on SQLite and a folder, moves it
// with "wharf migrate" to PostgreSQL and S3, compares every stored file
// byte for byte, runs the
// move again (it resumes and copies nothing), and serves the moved
// registry from PostgreSQL: every package restores as pushed and the old
// key still pushes. A target holding another registry is refused.
func TestMigrateToPostgres(t *testing.T) {
	src := startWharfIn(t, "")
	key := src.apiKey(t, "alice")
	pushed := map[string][]byte{}
	for i := range 4 {
		for _, v := range []string{"1.0.0", "1.1.0-beta.1", "2.0.0"} {
			spec := nugettest.Spec{ID: fmt.Sprintf("Moved.Pkg%d", i), Version: v, Readme: []byte("# read me"), Payload: 4 << 10}
			pushed[spec.ID+"/"+v] = src.mustPushHTTP(t, key, spec)
		}
	}
	if status, text := src.changeListing(t, "DELETE", "Moved.Pkg0", "2.0.0", key); status != 204 {
		t.Fatal(text)
	}
	src.stopServer(t)
	src.exited = true
	// A version deleted for good: its tombstone moves too.
	if _, stderr := src.wharfOK(t, "package", "delete", "Moved.Pkg3", "1.0.0", "--reason", "Pushed by mistake."); !strings.Contains(stderr, "can never be pushed again") {
		t.Errorf("wharf package delete: %q", stderr)
	}
	delete(pushed, "Moved.Pkg3/1.0.0")

	pg := pgtest.Start(t)
	bucket := s3test.Start(t)
	s3env := testenv.S3Env(bucket)
	store := strings.TrimPrefix(s3env[0], "WHARF_STORAGE_URL=")
	src.extraEnv = s3env[1:] // the target bucket's credentials
	stdout, _ := src.wharfOK(t, "migrate", "--to-database", pg, "--to-storage", store)
	if !strings.Contains(stdout, "package_versions 11") || !strings.Contains(stdout, "version_tombstones 1") || !strings.Contains(stdout, "verified byte for byte") {
		t.Errorf("the summary does not report 11 versions, 1 tombstone and verified blobs:\n%s", stdout)
	}
	sameBlobs(t, filepath.Join(src.data, "packages"), bucket)

	stdout, _ = src.wharfOK(t, "migrate", "--to-database", pg, "--to-storage", store)
	if !strings.Contains(stdout, "0 copied now") || !strings.Contains(stdout, "resumed") {
		t.Errorf("a second run should resume and copy no blob:\n%s", stdout)
	}

	moved := startWharfIn(t, "", append([]string{"WHARF_DATABASE_URL=" + pg}, s3env...)...)
	for idv, want := range pushed {
		id, v, _ := strings.Cut(idv, "/")
		if got := moved.nupkg(t, id, v); !bytes.Equal(got, want) {
			t.Errorf("%s %s after the move: %d bytes, want the %d pushed", id, v, len(got), len(want))
		}
	}
	if moved.listed(t, "Moved.Pkg0", "2.0.0") {
		t.Error("an unlisted version was listed again by the move")
	}
	moved.mustPushHTTP(t, key, nugettest.Spec{ID: "Moved.Pkg0", Version: "3.0.0"})
	if status, text := moved.pushHTTP(t, key, nugettest.Spec{ID: "moved.pkg3", Version: "1.0"}); status != 409 || !strings.Contains(text, "Moved.Pkg3 1.0.0 was deleted on") {
		t.Errorf("pushing a version deleted before the move: %d %q, want 409 saying it was deleted", status, text)
	}

	// Once a replica has served from the target, a rerun would overwrite
	// what changed there with the source's older rows (relisting, and
	// moving the feed revision back): it is refused.
	if status, text := moved.changeListing(t, "DELETE", "Moved.Pkg1", "2.0.0", key); status != 204 {
		t.Fatal(text)
	}
	moved.stopServer(t)
	moved.exited = true
	_, stderr, code := src.wharf(t, "migrate", "--to-database", pg, "--to-storage", store)
	if code == 0 || !strings.Contains(stderr, "in use (wharf serve or an admin command) since") {
		t.Errorf("rerunning the move into a target that was served since: exit %d, stderr %q; want a refusal", code, stderr)
	}
	moved = startWharfIn(t, "", append([]string{"WHARF_DATABASE_URL=" + pg}, s3env...)...)
	if moved.listed(t, "Moved.Pkg1", "2.0.0") {
		t.Error("a version unlisted on the target was listed again by a rerun of the move")
	}
	if len(moved.nupkg(t, "Moved.Pkg0", "3.0.0")) == 0 {
		t.Error("a version pushed to the target is gone after a rerun of the move")
	}

	other := startWharfIn(t, "")
	other.apiKey(t, "mallory")
	other.stopServer(t)
	other.exited = true
	_, stderr, code = other.wharf(t, "migrate", "--to-database", pg, "--to-storage", "file://"+t.TempDir())
	if code == 0 || !strings.Contains(stderr, "already holds another registry") {
		t.Errorf("moving another registry into the used database: exit %d, stderr %q; want a refusal", code, stderr)
	}
	_, stderr, code = src.wharf(t, "migrate", "--to-database", pg, "--to-storage", "gopher://x")
	if code == 0 || !strings.Contains(stderr, `"gopher" URLs are not supported`) {
		t.Errorf("a bad --to-storage: exit %d, stderr %q; want it named", code, stderr)
	}
}

// sameBlobs requires the folder store at dir and the bucket to hold the
// same blobs, byte for byte.
func sameBlobs(t *testing.T, dir string, bucket s3.Config) {
	t.Helper()
	ctx := context.Background()
	from, err := fs.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	to, err := s3.Open(ctx, bucket)
	if err != nil {
		t.Fatal(err)
	}
	read := func(s storage.Blobs, key string) []byte {
		b, err := s.Open(ctx, key)
		if err != nil {
			t.Fatalf("open %s: %v", key, err)
		}
		defer b.Close()
		data, _ := io.ReadAll(b)
		return data
	}
	keys := func(s storage.Blobs) []string {
		var out []string
		// Package files only: the static copy (static/) is not moved,
		// the target's server rebuilds it.
		s.List(ctx, "packages/", func(i storage.Info) error { out = append(out, i.Key); return nil })
		return out
	}
	fk, tk := keys(from), keys(to)
	if len(fk) == 0 || !slices.Equal(fk, tk) {
		t.Fatalf("the folder has %d blobs, the bucket %d (or other keys)", len(fk), len(tk))
	}
	for _, k := range fk {
		if !bytes.Equal(read(from, k), read(to, k)) {
			t.Errorf("%s differs after the move", k)
		}
	}
}
