package main

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// wrkScript picks a random path from a file for every request and asks
// for gzip, as NuGet's HTTP client does. Each wrk thread gets its own seed.
const wrkScript = `
local counter = 0
setup = function(thread)
  counter = counter + 1
  thread:set("seed", counter)
end
local paths = {}
init = function(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  math.randomseed(tonumber(seed or 1) * 7919)
end
request = function()
  return wrk.format("GET", paths[math.random(#paths)], {["Accept-Encoding"] = "gzip"})
end
`

// measurement is one load run's result.
type measurement struct {
	RPS      float64
	P50, P99 time.Duration
	Errors   int64 // non-2xx/3xx answers and socket errors
	Requests int64
}

// runWrk drives base with conns connections for d, requesting the paths
// listed in pathsFile.
func runWrk(wrk, script, base, pathsFile string, conns int, d time.Duration) (measurement, error) {
	threads := min(conns, 2)
	secs := max(int(math.Ceil(d.Seconds())), 1) // wrk counts whole seconds
	cmd := exec.Command(wrk, "--latency", "-t", strconv.Itoa(threads), "-c", strconv.Itoa(conns),
		"-d", strconv.Itoa(secs)+"s", "--timeout", "10s", "-s", script, base, "--", pathsFile)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return measurement{}, fmt.Errorf("wrk: %v: %s%s", err, out.String(), errb.String())
	}
	return parseWrk(out.String())
}

var (
	reRPS      = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	reRequests = regexp.MustCompile(`(\d+) requests in`)
	reNon2xx   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	reSocket   = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	rePct      = regexp.MustCompile(`^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$`)
)

// parseWrk reads wrk's --latency report.
func parseWrk(s string) (measurement, error) {
	var m measurement
	r := reRPS.FindStringSubmatch(s)
	if r == nil {
		return m, fmt.Errorf("wrk printed no rate:\n%s", s)
	}
	m.RPS, _ = strconv.ParseFloat(r[1], 64)
	if r := reRequests.FindStringSubmatch(s); r != nil {
		m.Requests, _ = strconv.ParseInt(r[1], 10, 64)
	}
	if r := reNon2xx.FindStringSubmatch(s); r != nil {
		n, _ := strconv.ParseInt(r[1], 10, 64)
		m.Errors += n
	}
	if r := reSocket.FindStringSubmatch(s); r != nil {
		for _, f := range r[1:] {
			n, _ := strconv.ParseInt(f, 10, 64)
			m.Errors += n
		}
	}
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		p := rePct.FindStringSubmatch(sc.Text())
		if p == nil {
			continue
		}
		v, _ := strconv.ParseFloat(p[2], 64)
		unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[p[3]]
		d := time.Duration(v * float64(unit))
		if p[1] == "50" {
			m.P50 = d
		} else {
			m.P99 = d
		}
	}
	if m.P50 == 0 || m.P99 == 0 {
		return m, fmt.Errorf("wrk printed no latency distribution:\n%s", s)
	}
	return m, nil
}

// writeScript writes the wrk script into dir.
func writeScript(dir string) (string, error) {
	p := dir + "/paths.lua"
	return p, os.WriteFile(p, []byte(wrkScript), 0o644)
}
