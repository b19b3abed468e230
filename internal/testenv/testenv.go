// Package testenv opens Wharf's real stores for tests, closed when the test
// ends. Tests use these instead of mocks. Which database and blob store
// they get is the backend named by WHARF_TEST_BACKEND:
//
//	sqlite+fs     SQLite and the filesystem store in a temp dir (default)
//	postgres+fs   a fresh database on the PostgreSQL test cluster (pgtest)
//	              and the filesystem store
//	postgres+s3   that database and a fresh bucket on a real S3 server
//	              (versitygw, started by s3test)
//
// .ci/test runs the registry and protocol suites as sqlite+fs and again as
// postgres+s3.
// Packages whose tests may use PostgreSQL call Main from TestMain so the
// cluster is stopped at the end.
package testenv

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/db"
	"github.com/wharf-registry/wharf/internal/db/pgtest"
	"github.com/wharf-registry/wharf/internal/storage"
	"github.com/wharf-registry/wharf/internal/storage/fs"
	"github.com/wharf-registry/wharf/internal/storage/s3"
	"github.com/wharf-registry/wharf/internal/storage/s3/s3test"
)

// The backends tests can run against.
const (
	SQLiteFS   = "sqlite+fs"
	PostgresFS = "postgres+fs"
	PostgresS3 = "postgres+s3"
)

// Backends lists every backend, the default first.
var Backends = []string{SQLiteFS, PostgresFS, PostgresS3}

// Backend returns the backend named by WHARF_TEST_BACKEND, SQLiteFS by
// default.
func Backend() string {
	if b := os.Getenv("WHARF_TEST_BACKEND"); b != "" {
		return b
	}
	return SQLiteFS
}

// Main runs the tests and stops the PostgreSQL test cluster if they
// started one: func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }.
func Main(m *testing.M) int { return pgtest.Main(m) }

// Stores opens a database and a blob store of the backend Backend names,
// the files under dir (a t.TempDir() when dir is ""), laid out as a data
// directory: wharf.db (SQLite only) and packages/.
func Stores(t testing.TB, dir string) (*db.DB, storage.Blobs) {
	t.Helper()
	return StoresFor(t, Backend(), dir)
}

// StoresFor is Stores for a named backend.
func StoresFor(t testing.TB, backend, dir string) (*db.DB, storage.Blobs) {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	return Database(t, backend, dir), Blobs(t, backend, dir)
}

// DatabaseURL returns what Wharf's database_url setting would be for the
// backend: "" (SQLite in the data directory) or a fresh PostgreSQL
// database's URL.
func DatabaseURL(t testing.TB, backend string) string {
	t.Helper()
	switch backend {
	case SQLiteFS:
		return ""
	case PostgresFS, PostgresS3:
		return pgtest.Start(t)
	}
	t.Fatalf("WHARF_TEST_BACKEND=%q: unknown backend; use one of %q", backend, Backends)
	return ""
}

// Database opens the backend's database (SQLite under dir).
func Database(t testing.TB, backend, dir string) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), DatabaseURL(t, backend), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// Blobs opens the backend's blob store: the filesystem under dir/packages,
// or a fresh S3 bucket.
func Blobs(t testing.TB, backend, dir string) storage.Blobs {
	t.Helper()
	if backend == PostgresS3 {
		blobs, err := s3.Open(context.Background(), s3test.Start(t))
		if err != nil {
			t.Fatal(err)
		}
		return blobs
	}
	blobs, err := fs.New(filepath.Join(dir, "packages"))
	if err != nil {
		t.Fatal(err)
	}
	return blobs
}

// ServerEnv returns the environment that points a "wharf serve" process
// (or an admin command) at a fresh database and package store of the
// backend: WHARF_DATABASE_URL, WHARF_STORAGE_URL and the S3 credentials.
// Call it once per registry; processes given the same slice share it.
func ServerEnv(t testing.TB, backend string) []string {
	t.Helper()
	env := []string{"WHARF_DATABASE_URL=" + DatabaseURL(t, backend)}
	if backend != PostgresS3 {
		return append(env, "WHARF_STORAGE_URL=file://"+t.TempDir())
	}
	return append(env, S3Env(s3test.Start(t))...)
}

// S3Env is the environment naming an S3 bucket as Wharf's package store.
func S3Env(c s3.Config) []string {
	q := url.Values{}
	q.Set("endpoint", c.Endpoint)
	q.Set("region", c.Region)
	q.Set("path_style", strconv.FormatBool(c.PathStyle))
	u := "s3://" + c.Bucket + "/" + strings.Trim(c.Prefix, "/")
	return []string{"WHARF_STORAGE_URL=" + strings.TrimSuffix(u, "/") + "?" + q.Encode(),
		s3.EnvAccessKeyID + "=" + c.AccessKeyID, s3.EnvSecretAccessKey + "=" + c.SecretAccessKey}
}
