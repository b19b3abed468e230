package config

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"

	"github.com/BurntSushi/toml"
)

// notRecorded are the settings Record never writes: the data directory
// (the file is in it) and the sign-in providers' clients, whose secrets
// stay where the operator put them (an ID written without its secret
// would make the settings invalid). A key naming a secret or a password is
// never written either, whatever this list says.
var notRecorded = map[string]bool{
	"data":             true,
	"github_client_id": true, "github_client_secret": true,
	"gitlab_client_id": true, "gitlab_client_secret": true,
	"signin_oidc_issuer": true, "signin_oidc_client_id": true, "signin_oidc_client_secret": true,
}

// recordable reports whether Record may write the setting key.
func recordable(key string) bool {
	return !notRecorded[key] && !strings.Contains(key, "secret") && !strings.Contains(key, "password")
}

// Record writes into the data directory's file every setting in which
// final (what wharf serve runs with) differs from l.Recorded (what the
// file and the defaults give), so that an admin command run in the same
// data directory without the server's environment or flags gets the same
// base URL, issuers, database and store. Secrets are never written; a
// database URL is written without its password. Other lines of the file,
// comments included, are kept. It returns the keys it wrote.
func Record(l Loaded, final Config) ([]string, error) {
	type change struct{ key, line string }
	var changes []change
	want := fieldsOf(&final)
	have := fieldsOf(&l.Recorded)
	for _, f := range want {
		if !recordable(f.key) {
			continue
		}
		v := f.value.Interface()
		if f.key == "database_url" {
			// The password stays in the environment; the rest names
			// the database, so admin commands never open another one.
			if withoutPassword(final.DatabaseURL) == withoutPassword(l.Recorded.DatabaseURL) {
				continue
			}
			v = withoutPassword(final.DatabaseURL)
		} else if reflect.DeepEqual(v, have[f.index].value.Interface()) {
			continue
		}
		var b bytes.Buffer
		if err := toml.NewEncoder(&b).Encode(map[string]any{f.key: v}); err != nil {
			return nil, fmt.Errorf("record %s: %w", f.key, err)
		}
		changes = append(changes, change{f.key, strings.TrimSpace(b.String())})
	}
	if len(changes) == 0 {
		return nil, nil
	}
	old, err := os.ReadFile(l.DataFile)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if len(old) == 0 {
		old = []byte("# Settings of this data directory, read by wharf serve and every admin command\n" +
			"# (docs/configuration.md). wharf serve writes here the settings it was given by\n" +
			"# flags or the environment; secrets are never written. Edit freely.\n")
	}
	lines := strings.Split(strings.TrimRight(string(old), "\n"), "\n")
	var keys []string
	for _, c := range changes {
		re := regexp.MustCompile(`^\s*` + regexp.QuoteMeta(c.key) + `\s*=`)
		found := false
		for i, ln := range lines {
			if re.MatchString(ln) {
				lines[i], found = c.line, true
				break
			}
		}
		if !found {
			lines = append(lines, c.line)
		}
		keys = append(keys, c.key)
	}
	text := strings.Join(lines, "\n") + "\n"
	// The edit is by line: check that the file now says what it should
	// (a value spread over several lines would defeat it) before using it.
	check := Default()
	if _, err := toml.Decode(text, &check); err != nil {
		return nil, fmt.Errorf("%s could not be updated line by line (%v): write %s in it yourself", l.DataFile, err, strings.Join(keys, ", "))
	}
	got := fieldsOf(&check)
	for _, f := range want {
		for _, k := range keys {
			if f.key == k && k != "database_url" && !reflect.DeepEqual(f.value.Interface(), got[f.index].value.Interface()) {
				return nil, fmt.Errorf("%s could not be updated line by line: write %s in it yourself", l.DataFile, strings.Join(keys, ", "))
			}
		}
	}
	// A symbolic link (to a file configuration management keeps) is
	// followed, and the file keeps its permissions; a new one is 0600.
	path, mode := l.DataFile, os.FileMode(0o600)
	if target, err := filepath.EvalSymlinks(path); err == nil {
		path = target
		if info, err := os.Stat(path); err == nil {
			mode = info.Mode().Perm()
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".wharf.toml-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(text); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	if err := os.Chmod(tmp.Name(), mode); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return nil, err
	}
	return keys, nil
}

// withoutPassword is a database URL with its password taken out.
func withoutPassword(databaseURL string) string {
	u, err := url.Parse(databaseURL)
	if err != nil || databaseURL == "" {
		return databaseURL
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	q := u.Query()
	if q.Has("password") {
		q.Del("password")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// field is one setting: its file key, its position and its value.
type field struct {
	key   string
	index int
	value reflect.Value
}

// fieldsOf lists c's settings in declaration order, those of embedded
// groups (SignIn) included.
func fieldsOf(c *Config) []field {
	var out []field
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			sf := t.Field(i)
			if sf.Anonymous && sf.Type.Kind() == reflect.Struct {
				walk(v.Field(i))
				continue
			}
			key, _, _ := strings.Cut(sf.Tag.Get("toml"), ",")
			if key == "" || key == "-" {
				continue
			}
			out = append(out, field{key: key, index: len(out), value: v.Field(i)})
		}
	}
	walk(reflect.ValueOf(c).Elem())
	return out
}

// Overridden lists the keys the data directory's file sets and this
// command's --config file, environment or flags set otherwise (secrets
// left out): where an admin command would not act as the server that
// recorded the file does.
func (l Loaded) Overridden() []string {
	var out []string
	have := fieldsOf(&l.Recorded)
	for _, f := range fieldsOf(&l.Config) {
		if !l.dataFileKeys[f.key] || !recordable(f.key) {
			continue
		}
		if f.key == "database_url" {
			if withoutPassword(l.Config.DatabaseURL) != withoutPassword(l.Recorded.DatabaseURL) {
				out = append(out, f.key)
			}
			continue
		}
		if !reflect.DeepEqual(f.value.Interface(), have[f.index].value.Interface()) {
			out = append(out, f.key)
		}
	}
	return out
}
