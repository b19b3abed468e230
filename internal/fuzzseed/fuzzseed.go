// Package fuzzseed keeps the committed seed corpora of Wharf's fuzz tests
// in step with the Go code that builds them. Each package with fuzz
// targets lists its seeds by name in a test that calls Check; the seeds
// live in testdata/fuzz/<target>/<name>, where `go test` runs them as
// ordinary test cases and `go test -fuzz` starts mutating from them.
// Run that test with -update-seeds to write them after changing the list.
//
// Files named by 16 hex digits are inputs the fuzzer found and wrote
// itself (failures, kept as regression tests); Check leaves them alone.
// Nothing here is for production.
package fuzzseed

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

var update = flag.Bool("update-seeds", false, "rewrite the fuzz seed files under testdata/fuzz")

// Seed is one named corpus entry: the values of the fuzz function's
// arguments after *testing.T, in order. Supported types: string, []byte,
// bool, int, int64, uint64.
type Seed struct {
	Name string // the file name: lower-case words joined by '-'
	Args []any
}

// S returns a Seed.
func S(name string, args ...any) Seed { return Seed{Name: name, Args: args} }

var (
	seedName   = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	fuzzerName = regexp.MustCompile(`^[0-9a-f]{16}$`)
)

// Check fails t unless testdata/fuzz/<target> holds exactly the seeds, each
// in the file format of `go test`, plus any inputs the fuzzer found. With
// -update-seeds it writes the seeds and removes other named files instead.
func Check(t *testing.T, target string, seeds ...Seed) {
	t.Helper()
	dir := filepath.Join("testdata", "fuzz", target)
	want := map[string]bool{}
	for _, s := range seeds {
		if !seedName.MatchString(s.Name) || want[s.Name] {
			t.Fatalf("%s: seed name %q is not lower-case-words or is used twice", target, s.Name)
		}
		want[s.Name] = true
		data := Encode(s.Args...)
		path := filepath.Join(dir, s.Name)
		if *update {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("%s is missing or out of date: run go test -run %s -update-seeds", path, t.Name())
		}
	}
	files, _ := os.ReadDir(dir)
	for _, f := range files {
		if want[f.Name()] || fuzzerName.MatchString(f.Name()) {
			continue
		}
		path := filepath.Join(dir, f.Name())
		if *update {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			continue
		}
		t.Errorf("%s is not a listed seed: add it to %s or run it with -update-seeds to remove it", path, t.Name())
	}
}

// Encode returns a corpus file holding args, as `go test` writes one.
func Encode(args ...any) []byte {
	b := bytes.NewBufferString("go test fuzz v1\n")
	for _, a := range args {
		switch v := a.(type) {
		case string:
			fmt.Fprintf(b, "string(%q)\n", v)
		case []byte:
			fmt.Fprintf(b, "[]byte(%q)\n", v)
		case bool, int, int64, uint64:
			fmt.Fprintf(b, "%T(%v)\n", v, v)
		default:
			panic(fmt.Sprintf("fuzzseed: unsupported type %T", a))
		}
	}
	return b.Bytes()
}
