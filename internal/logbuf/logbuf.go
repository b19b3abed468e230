// Package logbuf batches log output, as nginx's "access_log ... buffer"
// does: a busy server writes one access-log line per request, and one
// write system call per line costs more than answering a cached document.
// Lines are held for at most a flush interval or a buffer's worth of
// bytes, and records at warning level or above are written at once.
package logbuf

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// Writer is a buffered, concurrency-safe writer that flushes itself every
// interval. Close flushes and stops it.
type Writer struct {
	mu   sync.Mutex
	buf  *bufio.Writer
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// New returns a Writer that buffers up to size bytes for out and flushes
// at least every interval.
func New(out io.Writer, size int, interval time.Duration) *Writer {
	w := &Writer{buf: bufio.NewWriterSize(out, size), stop: make(chan struct{}), done: make(chan struct{})}
	go w.flushEvery(interval)
	return w
}

func (w *Writer) flushEvery(interval time.Duration) {
	defer close(w.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
			_ = w.Flush()
		}
	}
}

// Write buffers p whole: a log line is never split between two flushes
// unless it is larger than the buffer.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(p) > w.buf.Available() && w.buf.Buffered() > 0 {
		if err := w.buf.Flush(); err != nil {
			return 0, err
		}
	}
	return w.buf.Write(p)
}

// Flush writes out what is buffered.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Flush()
}

// Close stops the periodic flush and flushes what is left.
func (w *Writer) Close() error {
	w.once.Do(func() { close(w.stop) })
	<-w.done
	return w.Flush()
}

// Urgent wraps h, which writes to w, so that records at level or above
// are flushed as soon as they are written: warnings and errors reach the
// log at once, even if the process dies right after.
func Urgent(h slog.Handler, w *Writer, level slog.Level) slog.Handler {
	return &urgent{Handler: h, w: w, level: level}
}

type urgent struct {
	slog.Handler
	w     *Writer
	level slog.Level
}

func (u *urgent) Handle(ctx context.Context, r slog.Record) error {
	err := u.Handler.Handle(ctx, r)
	if r.Level >= u.level {
		if ferr := u.w.Flush(); err == nil {
			err = ferr
		}
	}
	return err
}

func (u *urgent) WithAttrs(as []slog.Attr) slog.Handler {
	return &urgent{Handler: u.Handler.WithAttrs(as), w: u.w, level: u.level}
}

func (u *urgent) WithGroup(name string) slog.Handler {
	return &urgent{Handler: u.Handler.WithGroup(name), w: u.w, level: u.level}
}
