package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// server is a process under test: Wharf or nginx.
type server struct {
	name string
	base string // http://127.0.0.1:port
	cmd  *exec.Cmd
	log  *lineCounter
}

// start runs cmd and waits until base+probe answers 200.
func start(name string, cmd *exec.Cmd, base, probe string, out io.Writer) (*server, time.Duration, error) {
	s := &server{name: name, base: base, cmd: cmd, log: &lineCounter{w: out}}
	cmd.Stdout, cmd.Stderr = s.log, s.log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, 0, fmt.Errorf("start %s: %w", name, err)
	}
	client := &http.Client{Timeout: time.Second}
	for time.Since(t0) < 30*time.Second {
		res, err := client.Get(base + probe)
		if err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s, time.Since(t0), nil
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	s.stop()
	return nil, 0, fmt.Errorf("%s did not answer %s within 30s", name, probe)
}

// stop ends the process group and waits for it.
func (s *server) stop() {
	if s == nil || s.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
}

// pids is the process and its children (nginx's workers).
func (s *server) pids() []int {
	root := s.cmd.Process.Pid
	out := []int{root}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", root, root))
	if err == nil {
		for _, f := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(f); err == nil {
				out = append(out, n)
			}
		}
	}
	return out
}

// rss is the resident memory of the process and its children, in bytes.
func (s *server) rss() int64 {
	var total int64
	for _, pid := range s.pids() {
		total += statusKB(pid, "VmRSS:") << 10
	}
	return total
}

// peakRSS is the high-water mark of resident memory of the process (and,
// summed, its children) since it started.
func (s *server) peakRSS() int64 {
	var total int64
	for _, pid := range s.pids() {
		total += statusKB(pid, "VmHWM:") << 10
	}
	return total
}

func statusKB(pid int, field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// sampleRSS records the largest RSS of s until ctx ends, every 50 ms.
func sampleRSS(ctx context.Context, s *server) (peak func() int64) {
	var mu sync.Mutex
	var max int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			r := s.rss()
			mu.Lock()
			max = maxOf(max, r)
			mu.Unlock()
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return func() int64 { <-done; mu.Lock(); defer mu.Unlock(); return max }
}

func maxOf(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// lineCounter passes a process's output on and counts the lines that
// report errors, so a run with server errors is visible.
type lineCounter struct {
	mu     sync.Mutex
	w      io.Writer
	errors int
}

func (l *lineCounter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errors += bytes.Count(p, []byte("level=ERROR")) + bytes.Count(p, []byte("[error]")) + bytes.Count(p, []byte("[crit]")) + bytes.Count(p, []byte("[emerg]"))
	return l.w.Write(p)
}

// Errors returns the error lines seen.
func (l *lineCounter) Errors() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.errors
}

// freePort returns a port of 127.0.0.1 nobody listens on.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
