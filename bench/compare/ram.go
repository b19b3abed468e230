package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/wharf-registry/wharf/bench/internal/benchfeed"
)

// stageInRAM mounts a tmpfs under the work directory and copies into it
// what the read rows touch: Wharf's database and the hot packages (a data
// directory Wharf serves from) and nginx's root (the same packages, hard
// linked, and the JSON documents). Versions outside the hot set have rows
// but no files there, which the rows never ask for.
func stageInRAM(ctx context.Context, o options, data, root string) (ramData, ramRoot string, unmount func(), err error) {
	dir := filepath.Join(o.work, "ram")
	exec.Command("umount", dir).Run() // a run stopped before it could unmount
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", nil, err
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=4g", "tmpfs", dir).CombinedOutput(); err != nil {
		return "", "", nil, fmt.Errorf("mount a tmpfs at %s (-ram needs root): %v: %s", dir, err, out)
	}
	unmount = func() { exec.Command("umount", dir).Run() }
	ramData, ramRoot = filepath.Join(dir, "data"), filepath.Join(dir, "nginx-root")
	if err := copyFile(filepath.Join(data, "wharf.db"), filepath.Join(ramData, "wharf.db")); err != nil {
		unmount()
		return "", "", nil, err
	}
	for _, p := range jsonFiles(o.shape) {
		if err := copyFile(filepath.Join(root, p), filepath.Join(ramRoot, p)); err != nil {
			unmount()
			return "", "", nil, err
		}
	}
	reg, closeDB, err := benchfeed.Target{DataDir: data}.Open(ctx)
	if err != nil {
		unmount()
		return "", "", nil, err
	}
	defer closeDB()
	for _, p := range docPaths["nupkg"](o.shape) {
		src, err := storedNupkg(ctx, reg, filepath.Join(data, "packages"), p)
		if err != nil {
			unmount()
			return "", "", nil, err
		}
		rel, _ := filepath.Rel(filepath.Join(data, "packages"), src)
		stored := filepath.Join(ramData, "packages", rel)
		if err := copyFile(src, stored); err != nil {
			unmount()
			return "", "", nil, err
		}
		if err := linkInto(stored, filepath.Join(ramRoot, filepath.FromSlash(p))); err != nil {
			unmount()
			return "", "", nil, err
		}
	}
	return ramData, ramRoot, unmount, nil
}

// copyFile copies src to dst, creating dst's folder.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
