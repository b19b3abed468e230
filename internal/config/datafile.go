package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/BurntSushi/toml"
)

// DataFileName is the settings file every command reads from the data
// directory, so the server and the admin commands share one set of
// settings (docs/configuration.md, "One set of settings").
const DataFileName = "wharf.toml"

// Sources says where settings come from beyond the embedded defaults.
type Sources struct {
	// ConfigFile is the file --config or WHARF_CONFIG names, "" for none.
	ConfigFile string
	// Getenv reads WHARF_* variables.
	Getenv func(string) string
	// Flags sets what the command line's flags said; nil for none.
	Flags func(*Config)
}

// Loaded is the settings of a command and where they came from.
type Loaded struct {
	// Config is the result of every layer, not yet validated.
	Config Config
	// DataFile is the data directory's settings file, DataFileFound
	// whether it exists.
	DataFile      string
	DataFileFound bool
	// Recorded is the defaults overlaid with the data directory's file
	// alone: what a command sees before its own file, environment and
	// flags.
	Recorded Config
	// dataFileKeys are the keys the data directory's file sets.
	dataFileKeys map[string]bool
}

// Resolve reads the settings in order of precedence, lowest first: the
// embedded defaults, the data directory's wharf.toml, the --config file,
// the WHARF_* environment, the flags. The data directory itself comes from
// the flag, the environment, the --config file or the default, in that
// order, since its file cannot say where it is.
func Resolve(s Sources) (Loaded, error) {
	if s.Getenv == nil {
		s.Getenv = func(string) string { return "" }
	}
	above := func(c *Config) error {
		if s.ConfigFile != "" {
			if _, err := decodeFile(s.ConfigFile, c); err != nil {
				return err
			}
		}
		if err := c.applyEnv(s.Getenv); err != nil {
			return err
		}
		if s.Flags != nil {
			s.Flags(c)
		}
		return nil
	}
	top := Default()
	if err := above(&top); err != nil {
		return Loaded{}, err
	}
	l := Loaded{DataFile: filepath.Join(top.DataDir, DataFileName)}
	c := Default()
	switch _, err := os.Stat(l.DataFile); {
	case err == nil:
		md, err := decodeFile(l.DataFile, &c)
		if err != nil {
			return l, err
		}
		l.DataFileFound = true
		l.dataFileKeys = map[string]bool{}
		for _, k := range md.Keys() {
			l.dataFileKeys[k.String()] = true
		}
		if md.IsDefined("data") && !samePath(c.DataDir, top.DataDir) {
			return l, fmt.Errorf("%s says data = %q, but it is the settings file of the data directory %s: remove the data key from it (the data directory is chosen with --data or WHARF_DATA)",
				l.DataFile, c.DataDir, top.DataDir)
		}
	case !errors.Is(err, os.ErrNotExist):
		return l, fmt.Errorf("read the data directory's settings %s: %w", l.DataFile, err)
	}
	c.DataDir = top.DataDir
	l.Recorded = c
	if err := above(&c); err != nil {
		return l, err
	}
	c.DataDir = top.DataDir
	l.Config = c
	return l, nil
}

// decodeFile overlays the TOML file at path on c; an unknown key is an
// error.
func decodeFile(path string, c *Config) (toml.MetaData, error) {
	md, err := toml.DecodeFile(path, c)
	if err != nil {
		return md, fmt.Errorf("read config file %s: %w", path, err)
	}
	if un := md.Undecoded(); len(un) > 0 {
		return md, fmt.Errorf("config file %s: unknown setting %q", path, un[0].String())
	}
	return md, nil
}

func samePath(a, b string) bool {
	pa, errA := filepath.Abs(a)
	pb, errB := filepath.Abs(b)
	return errA == nil && errB == nil && pa == pb
}
