package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
)

// pushResult is one sequential push run.
type pushResult struct {
	PerSec, MBPerSec float64
	Errors           int
}

// wharfCLI runs an admin command of the wharf binary on data, with the
// extra environment env, and returns its standard output.
func wharfCLI(bin, data string, env []string, args ...string) (string, error) {
	cmd := exec.Command(bin, append(args, "--data", data)...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("wharf %s: %v: %s", strings.Join(args, " "), err, errb.String())
	}
	return strings.TrimSpace(out.String()), nil
}

// pushSpec is the n-th package of a push run: a unique ID, payload bytes
// of incompressible content (the .nupkg is that plus about 1 KB).
func pushSpec(run, n, payload int) nugettest.Spec {
	return nugettest.Spec{
		ID: fmt.Sprintf("Push.R%d.Pkg%05d", run, n), Version: "1.0.0", Authors: "Bench Corp",
		Description: "A package pushed by the push benchmark.", Tags: "push", License: "MIT", Payload: payload,
	}
}

// multipartBody wraps a .nupkg as NuGet clients send it.
func multipartBody(nupkg []byte) ([]byte, string) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, _ := mw.CreateFormFile("package", "package.nupkg")
	fw.Write(nupkg)
	mw.Close()
	return b.Bytes(), mw.FormDataContentType()
}

// pushSequentially pushes count packages of payload bytes one after the
// other, as one CI job does. Packages are built before the clock starts;
// sample, when set, is called after every push (memory sampling).
func pushSequentially(base, key string, run, count, payload int, sample func(i int)) (pushResult, error) {
	type body struct {
		b  []byte
		ct string
	}
	bodies := make([]body, count)
	var total int64
	for i := range bodies {
		nupkg := pushSpec(run, i, payload).Build()
		total += int64(len(nupkg))
		b, ct := multipartBody(nupkg)
		bodies[i] = body{b, ct}
	}
	client := &http.Client{Timeout: 60 * time.Second}
	var r pushResult
	t0 := time.Now()
	for i, b := range bodies {
		req, _ := http.NewRequest(http.MethodPut, base+"/api/v2/package", bytes.NewReader(b.b))
		req.Header.Set("Content-Type", b.ct)
		req.Header.Set("X-NuGet-ApiKey", key)
		res, err := client.Do(req)
		if err != nil {
			return r, err
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusCreated {
			r.Errors++
		}
		if sample != nil {
			sample(i)
		}
	}
	secs := time.Since(t0).Seconds()
	r.PerSec = float64(count) / secs
	r.MBPerSec = float64(total) / secs / 1e6
	return r, nil
}

// flatMemory pushes about bytes in 100 KB packages (run after run of
// builds, so the benchmark itself stays small) and samples Wharf's RSS
// every 5% of the way: the figures should not climb.
func flatMemory(ctx context.Context, s *server, key string, bytes int64, payload int) (samples []int64, errors int, err error) {
	const batch = 500
	per := int64(payload + 1024)
	n := int(bytes / per)
	step := max(n/20, 1)
	for done := 0; done < n && ctx.Err() == nil; done += batch {
		count := min(batch, n-done)
		r, err := pushSequentially(s.base, key, 1000+done/batch, count, payload, func(i int) {
			if (done+i)%step == 0 {
				samples = append(samples, s.rss())
			}
		})
		if err != nil {
			return samples, errors, err
		}
		errors += r.Errors
	}
	samples = append(samples, s.rss())
	return samples, errors, nil
}
