package fs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// SweepTemp removes entries of the temporary directory last modified more
// than olderThan ago: files a crash left behind mid-Put. A Put in progress
// modifies its file as data arrives, so call SweepTemp at startup, or with
// an olderThan far longer than a stalled upload may last. Errors from
// individual entries are joined; storage.ErrReadOnly when removal is
// refused.
func (s *Store) SweepTemp(olderThan time.Duration) error {
	entries, err := os.ReadDir(s.tmp)
	if err != nil {
		return fmt.Errorf("fs: sweep %s: %w", s.tmp, err)
	}
	cutoff := time.Now().Add(-olderThan)
	var errs []error
	for _, e := range entries {
		fi, err := e.Info()
		if isMissing(err) {
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("fs: sweep: %w", err))
			continue
		}
		if fi.ModTime().After(cutoff) {
			continue
		}
		if err := os.RemoveAll(filepath.Join(s.tmp, e.Name())); err != nil {
			errs = append(errs, fmt.Errorf("fs: sweep: %w", writeError(err)))
		}
	}
	return errors.Join(errs...)
}
