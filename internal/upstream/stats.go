package upstream

import (
	"sync/atomic"
	"time"
)

// Stats counts a client's requests for the server's metrics: pass its
// Observe as Options.Observe. The zero value is ready to use.
type Stats struct {
	requests atomic.Int64
	errors   atomic.Int64
	bytes    atomic.Int64
	nanos    atomic.Int64
}

// Observe records one request (see Options.Observe).
func (s *Stats) Observe(_ string, d time.Duration, n int64, err error) {
	s.requests.Add(1)
	s.nanos.Add(int64(d))
	s.bytes.Add(n)
	if err != nil {
		s.errors.Add(1)
	}
}

// StatsSnapshot is what Stats counted so far.
type StatsSnapshot struct {
	Requests int64         // requests made to upstream sources
	Errors   int64         // of which failed
	Bytes    int64         // bytes read from upstream sources
	Time     time.Duration // total time spent waiting for them
}

// Snapshot returns the counts so far.
func (s *Stats) Snapshot() StatsSnapshot {
	return StatsSnapshot{Requests: s.requests.Load(), Errors: s.errors.Load(), Bytes: s.bytes.Load(), Time: time.Duration(s.nanos.Load())}
}
