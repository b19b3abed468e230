package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestResolvePrecedence: flag > environment > --config file > the data
// directory's wharf.toml > defaults, each layer winning only for the
// settings it names.
func TestResolvePrecedence(t *testing.T) {
	data := t.TempDir()
	write(t, filepath.Join(data, DataFileName), "base_url = \"https://from-data-file.example\"\nlisten = \"127.0.0.1:7000\"\n"+
		"trusted_issuers = \"github=https://data.example\"\nlog_level = \"warn\"\nmax_package_size = \"1MB\"\n")
	extra := filepath.Join(t.TempDir(), "extra.toml")
	write(t, extra, "listen = \"127.0.0.1:8000\"\nlog_level = \"debug\"\nmax_package_size = \"2MB\"\n")
	l, err := Resolve(Sources{
		ConfigFile: extra,
		Getenv:     env(map[string]string{"WHARF_DATA": data, "WHARF_LOG_LEVEL": "error", "WHARF_MAX_PACKAGE_SIZE": "3MB"}),
		Flags:      func(c *Config) { c.MaxPackageSize = 4 << 20 },
	})
	if err != nil {
		t.Fatal(err)
	}
	c := l.Config
	if c.BaseURL != "https://from-data-file.example" || c.TrustedIssuers != "github=https://data.example" {
		t.Errorf("data file not read: base %q issuers %q", c.BaseURL, c.TrustedIssuers)
	}
	if c.Listen != "127.0.0.1:8000" {
		t.Errorf("listen = %q, want the --config file's over the data file's", c.Listen)
	}
	if c.LogLevel != "error" {
		t.Errorf("log_level = %q, want the environment's over both files", c.LogLevel)
	}
	if c.MaxPackageSize != 4<<20 {
		t.Errorf("max_package_size = %s, want the flag's over everything", c.MaxPackageSize)
	}
	if c.RequestTimeout != Default().RequestTimeout || c.DataDir != data {
		t.Errorf("defaults and data dir: %+v", c)
	}
	if !l.DataFileFound || l.DataFile != filepath.Join(data, DataFileName) || l.Recorded.Listen != "127.0.0.1:7000" {
		t.Errorf("loaded = found %v file %s recorded listen %q", l.DataFileFound, l.DataFile, l.Recorded.Listen)
	}
	// The data directory comes from the flag before the environment.
	other := t.TempDir()
	l, err = Resolve(Sources{Getenv: env(map[string]string{"WHARF_DATA": data}), Flags: func(c *Config) { c.DataDir = other }})
	if err != nil || l.DataFileFound || l.Config.BaseURL != "" || l.Config.DataDir != other {
		t.Errorf("--data over WHARF_DATA: found %v base %q data %q (%v)", l.DataFileFound, l.Config.BaseURL, l.Config.DataDir, err)
	}
}

// TestDataFileNamesAnotherDirectory: the data directory's own file cannot
// move it elsewhere; it says so rather than silently use another one.
func TestDataFileNamesAnotherDirectory(t *testing.T) {
	data := t.TempDir()
	write(t, filepath.Join(data, DataFileName), "data = \"/somewhere/else\"\n")
	_, err := Resolve(Sources{Getenv: env(map[string]string{"WHARF_DATA": data})})
	if err == nil || !strings.Contains(err.Error(), "remove the data key") {
		t.Errorf("err = %v, want a sentence saying to remove the data key", err)
	}
	write(t, filepath.Join(data, DataFileName), "data = \""+data+"\"\nlistne = \"x\"\n")
	if _, err := Resolve(Sources{Getenv: env(map[string]string{"WHARF_DATA": data})}); err == nil || !strings.Contains(err.Error(), "unknown setting") {
		t.Errorf("unknown key in the data file: %v", err)
	}
}

// TestRecord: what wharf serve was given by flags and the environment is
// written into the data directory's file, so that a command run there with
// nothing else gets the same base URL, issuers, database and store;
// secrets and the database password are never written, and the operator's
// other lines and comments stay.
func TestRecord(t *testing.T) {
	data := t.TempDir()
	file := filepath.Join(data, DataFileName)
	write(t, file, "# the operator's comment\nlog_level = \"warn\"\nbase_url = \"https://old.example\"\n")
	serverEnv := env(map[string]string{
		"WHARF_DATA": data, "WHARF_TRUSTED_ISSUERS": "github=https://ghes.example/_services/token",
		"WHARF_DATABASE_URL":     "postgres://wharf:hunter2@db.example:5432/wharf?sslmode=verify-full",
		"WHARF_STORAGE_URL":      "s3://bucket/pkgs?endpoint=https://s3.example&region=eu",
		"WHARF_GITHUB_CLIENT_ID": "Iv1.abc", "WHARF_GITHUB_CLIENT_SECRET": "s3cret-client",
		"WHARF_SIGNIN_ALLOWED_GROUPS": "contoso",
	})
	flags := func(c *Config) { c.BaseURL, c.Listen = "https://nuget.example.com", "0.0.0.0:5555" }
	l, err := Resolve(Sources{Getenv: serverEnv, Flags: flags})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := Record(l, l.Config)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(keys)
	if want := []string{"base_url", "database_url", "listen", "signin_allowed_groups", "storage_url", "trusted_issuers"}; !slices.Equal(keys, want) {
		t.Errorf("recorded %v, want %v", keys, want)
	}
	text := read(t, file)
	for _, secret := range []string{"hunter2", "s3cret-client", "Iv1.abc"} {
		if strings.Contains(text, secret) {
			t.Errorf("the file holds %q:\n%s", secret, text)
		}
	}
	if !strings.Contains(text, "# the operator's comment\nlog_level = \"warn\"\nbase_url = \"https://nuget.example.com\"\n") {
		t.Errorf("the operator's lines were not kept, or base_url not replaced in place:\n%s", text)
	}
	if info, err := os.Stat(file); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v (%v), want 0600", info.Mode(), err)
	}

	// An admin command in the same data directory, with nothing else.
	admin, err := Resolve(Sources{Getenv: env(map[string]string{"WHARF_DATA": data})})
	if err != nil {
		t.Fatal(err)
	}
	a := admin.Config
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	if a.BaseURL != "https://nuget.example.com" || a.TrustedIssuers != "github=https://ghes.example/_services/token" ||
		a.DatabaseURL != "postgres://wharf@db.example:5432/wharf?sslmode=verify-full" || a.StorageURL != "s3://bucket/pkgs?endpoint=https://s3.example&region=eu" ||
		a.AllowedGroups != "contoso" || a.LogLevel != "warn" || a.Audience != "https://nuget.example.com" {
		t.Errorf("the admin command's settings differ from the server's: %+v", a)
	}

	// The same server again changes nothing; a new base URL is written.
	l, _ = Resolve(Sources{Getenv: serverEnv, Flags: flags})
	if keys, err := Record(l, l.Config); err != nil || len(keys) != 0 {
		t.Errorf("second start recorded %v (%v), want nothing", keys, err)
	}
	l, _ = Resolve(Sources{Getenv: serverEnv, Flags: func(c *Config) { flags(c); c.BaseURL = "https://new.example" }})
	if keys, err := Record(l, l.Config); err != nil || !slices.Equal(keys, []string{"base_url"}) {
		t.Errorf("new base URL recorded %v (%v)", keys, err)
	}
	if strings.Count(read(t, file), "\nbase_url") != 1 {
		t.Errorf("base_url repeated:\n%s", read(t, file))
	}
}

// TestRecordKeepsOperatorPassword: a database URL the operator wrote with
// its password is not rewritten when the server's names the same database.
func TestRecordKeepsOperatorPassword(t *testing.T) {
	data := t.TempDir()
	file := filepath.Join(data, DataFileName)
	write(t, file, "database_url = \"postgres://wharf:filepw@db:5432/wharf\"\n")
	l, err := Resolve(Sources{Getenv: env(map[string]string{"WHARF_DATA": data, "WHARF_DATABASE_URL": "postgres://wharf:envpw@db:5432/wharf"})})
	if err != nil {
		t.Fatal(err)
	}
	if keys, err := Record(l, l.Config); err != nil || len(keys) != 0 {
		t.Errorf("recorded %v (%v), want nothing", keys, err)
	}
	if !strings.Contains(read(t, file), "filepw") {
		t.Errorf("the operator's password was removed:\n%s", read(t, file))
	}
}

// TestRecordRefusesWhatItCannotEdit: a value spread over several lines
// cannot be replaced line by line; Record says what to write by hand and
// leaves the file as it was.
func TestRecordRefusesWhatItCannotEdit(t *testing.T) {
	data := t.TempDir()
	file := filepath.Join(data, DataFileName)
	orig := "base_url = \"\"\"\nhttps://old.example\"\"\"\n"
	write(t, file, orig)
	l, err := Resolve(Sources{Getenv: env(map[string]string{"WHARF_DATA": data, "WHARF_BASE_URL": "https://new.example"})})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Record(l, l.Config); err == nil || !strings.Contains(err.Error(), "write base_url in it yourself") {
		t.Errorf("err = %v", err)
	}
	if read(t, file) != orig {
		t.Errorf("file changed:\n%s", read(t, file))
	}
}

// TestRecordFollowsSymlink: a data directory's wharf.toml that links to a
// file kept elsewhere stays a link; the file it names is updated and
// keeps its permissions.
func TestRecordFollowsSymlink(t *testing.T) {
	data, etc := t.TempDir(), t.TempDir()
	real := filepath.Join(etc, "wharf.toml")
	write(t, real, "log_level = \"warn\"\n")
	if err := os.Chmod(real, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, filepath.Join(data, DataFileName)); err != nil {
		t.Fatal(err)
	}
	l, err := Resolve(Sources{Getenv: env(map[string]string{"WHARF_DATA": data, "WHARF_BASE_URL": "https://nuget.example.com"})})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Record(l, l.Config); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(filepath.Join(data, DataFileName)); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", fi.Mode(), err)
	}
	if !strings.Contains(read(t, real), `base_url = "https://nuget.example.com"`) {
		t.Errorf("the linked file was not updated:\n%s", read(t, real))
	}
	if fi, _ := os.Stat(real); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want the file's own 0640", fi.Mode().Perm())
	}
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
