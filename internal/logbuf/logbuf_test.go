package logbuf

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the flusher goroutine.
type syncBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestLinesWaitForTheIntervalThenArriveInOneWrite(t *testing.T) {
	out := &syncBuffer{}
	w := New(out, 64<<10, 50*time.Millisecond)
	defer w.Close()
	log := slog.New(slog.NewTextHandler(w, nil))
	for i := range 100 {
		log.Info("request", "n", i)
	}
	if got := out.String(); got != "" {
		t.Fatalf("lines were written before the flush interval: %q", got[:min(len(got), 80)])
	}
	deadline := time.Now().Add(5 * time.Second)
	for strings.Count(out.String(), "\n") < 100 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := strings.Count(out.String(), "\n"); n != 100 {
		t.Fatalf("after the interval %d of 100 lines arrived", n)
	}
	if out.writes != 1 {
		t.Errorf("100 lines took %d writes, want 1", out.writes)
	}
}

func TestAFullBufferFlushesWholeLines(t *testing.T) {
	out := &syncBuffer{}
	w := New(out, 1024, time.Hour)
	defer w.Close()
	line := strings.Repeat("x", 99) + "\n"
	for range 25 { // 2,500 bytes through a 1,024-byte buffer
		w.Write([]byte(line))
	}
	got := out.String()
	if len(got) == 0 || len(got)%100 != 0 {
		t.Fatalf("a full buffer wrote %d bytes: lines were split or nothing was written", len(got))
	}
}

func TestCloseFlushesTheRest(t *testing.T) {
	out := &syncBuffer{}
	w := New(out, 64<<10, time.Hour)
	w.Write([]byte("last words\n"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if out.String() != "last words\n" {
		t.Fatalf("after Close: %q", out.String())
	}
}

func TestWarningsAreWrittenAtOnce(t *testing.T) {
	out := &syncBuffer{}
	w := New(out, 64<<10, time.Hour)
	defer w.Close()
	log := slog.New(Urgent(slog.NewTextHandler(w, nil), w, slog.LevelWarn)).With("app", "wharf")
	log.Info("request")
	if out.String() != "" {
		t.Fatal("an info line was written at once")
	}
	log.Warn("database unreachable")
	got := out.String()
	if !strings.Contains(got, "msg=request") || !strings.Contains(got, "msg=\"database unreachable\"") || !strings.Contains(got, "app=wharf") {
		t.Fatalf("a warning did not flush the log: %q", got)
	}
}
