// Package transfer moves a registry from one database and package store to
// another (SQLite and a folder to PostgreSQL and S3, typically): every
// blob is copied and verified byte for byte, then every row. A move can be
// run again: it resumes, skipping blobs already verified in place and
// overwriting rows with the source's values. It refuses a target that
// holds a registry it did not come from, or an earlier move that has been
// in use since (a rerun would undo the changes made there).
package transfer

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/wharf-registry/wharf/internal/db"
	"github.com/wharf-registry/wharf/internal/storage"
)

// ErrTargetInUse is returned when the target database already holds a
// registry that is not an earlier move of the same source.
var ErrTargetInUse = errors.New("the target database already holds another registry")

// Move is one move: where from, where to, and where to report progress.
type Move struct {
	FromDB    *db.DB
	FromBlobs storage.Blobs
	ToDB      *db.DB
	ToBlobs   storage.Blobs
	// Progress receives one line now and then (may be nil).
	Progress func(format string, args ...any)
	// Workers copy blobs in parallel (default 4).
	Workers int
}

// Summary is what a move did.
type Summary struct {
	Resumed     bool // the target held an earlier move of the same source
	Rows        []db.TableCount
	Blobs       int   // blobs verified in the target
	BlobsCopied int   // of which this run copied
	Bytes       int64 // bytes of all blobs
	BytesCopied int64
	Took        time.Duration
}

// String renders the summary for the operator.
func (s *Summary) String() string {
	var b strings.Builder
	var total int64
	var parts []string
	for _, t := range s.Rows {
		total += t.Rows
		parts = append(parts, fmt.Sprintf("%s %d", t.Table, t.Rows))
	}
	fmt.Fprintf(&b, "rows:  %d copied (%s)\n", total, strings.Join(parts, ", "))
	fmt.Fprintf(&b, "blobs: %d verified byte for byte (SHA-512), %.1f MB; %d copied now (%.1f MB), %d were already there\n",
		s.Blobs, mb(s.Bytes), s.BlobsCopied, mb(s.BytesCopied), s.Blobs-s.BlobsCopied)
	if s.Resumed {
		b.WriteString("resumed an earlier move of the same source\n")
	}
	fmt.Fprintf(&b, "took:  %s\n", s.Took.Round(time.Millisecond))
	return b.String()
}

func mb(n int64) float64 { return float64(n) / (1 << 20) }

// Run performs the move. Errors: ErrTargetInUse, and any failure to read,
// write or verify (the message names the table or key); what was copied
// before a failure stays, and a rerun resumes.
func (m *Move) Run(ctx context.Context) (*Summary, error) {
	start := time.Now()
	say := m.Progress
	if say == nil {
		say = func(string, ...any) {}
	}
	sum := &Summary{}
	resumed, err := m.claimTarget(ctx)
	if err != nil {
		return nil, err
	}
	sum.Resumed = resumed
	say("copying blobs")
	if err := m.copyBlobs(ctx, sum, say); err != nil {
		return sum, err
	}
	say("copying rows")
	rows, err := m.ToDB.CopyRows(ctx, m.FromDB, func(table string, n int64) {
		if n%5000 == 0 {
			say("  %s: %d rows", table, n)
		}
	})
	sum.Rows = rows
	if err != nil {
		return sum, err
	}
	sum.Took = time.Since(start)
	return sum, nil
}

// claimTarget refuses a target holding another registry and marks this
// one as the source of the target. It reports whether the target holds an
// earlier move of the same source.
func (m *Move) claimTarget(ctx context.Context) (bool, error) {
	source, err := m.FromDB.InstanceID(ctx)
	if err != nil {
		return false, err
	}
	from, err := m.ToDB.MigratedFrom(ctx)
	if err != nil {
		return false, err
	}
	if from == source {
		// A rerun overwrites the target's rows with the source's: right
		// for an interrupted move, ruinous once the target has been
		// served (unlisted versions relisted, revoked keys restored, the
		// feed revision moved back, new rows overwritten by ID).
		since, err := m.ToDB.InUseSince(ctx)
		if err != nil {
			return false, err
		}
		if since != "" {
			return false, fmt.Errorf("%w: an earlier move of this data directory, but one in use (wharf serve or an admin command) since %s, "+
				"and a rerun would overwrite what changed there; move into an empty database instead", ErrTargetInUse, since)
		}
		return true, nil
	}
	contents, err := m.ToDB.Contents(ctx)
	if err != nil {
		return false, err
	}
	var held []string
	for what, n := range contents {
		if n > 0 {
			held = append(held, fmt.Sprintf("%s %d", what, n))
		}
	}
	if len(held) > 0 {
		sort.Strings(held)
		return false, fmt.Errorf("%w (%s) that was not moved from this data directory: move into an empty database", ErrTargetInUse, strings.Join(held, ", "))
	}
	return false, m.ToDB.SetMigratedFrom(ctx, source)
}
