package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/testenv"
	"github.com/wharf-registry/wharf/internal/testenv/tmpfs"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// doctorLines runs wharf doctor in e's data directory with env and returns
// its lines by check name, and its exit code.
func doctorLines(t *testing.T, e *e2e, env ...string) (map[string][]string, string, int) {
	t.Helper()
	saved := e.extraEnv
	e.extraEnv = env
	defer func() { e.extraEnv = saved }()
	out, stderr, code := e.wharf(t, "doctor")
	lines := map[string][]string{}
	for _, ln := range strings.Split(strings.TrimSpace(out), "\n") {
		if len(ln) < 22 {
			t.Fatalf("doctor printed a line without a status and check: %q", ln)
		}
		check := strings.TrimSpace(ln[6:22])
		lines[check] = append(lines[check], ln)
	}
	return lines, out + stderr, code
}

// has reports whether one of lines starts with status and holds every one of want.
func has(lines []string, status string, want ...string) bool {
	for _, ln := range lines {
		if strings.HasPrefix(ln, status+" ") && len(missingFrom(ln, want...)) == 0 {
			return true
		}
	}
	return false
}

// TestDoctorHealthy: against a running server with a trusted issuer and
// OpenID Connect sign-in, every check of wharf doctor is ok and it exits
// 0; run without the server's environment, it still checks the recorded
// issuer and says that sign-in secrets are not recorded.
func TestDoctorHealthy(t *testing.T) {
	t.Parallel()
	iss := trusttest.NewIssuer(t)
	iss.AddClient("wharf-doctor", "doctor-secret")
	env := []string{"WHARF_TRUSTED_ISSUERS=github=" + iss.URL, "WHARF_SIGNIN_OIDC_ISSUER=" + iss.URL,
		"WHARF_SIGNIN_OIDC_CLIENT_ID=wharf-doctor", "WHARF_SIGNIN_OIDC_CLIENT_SECRET=doctor-secret"}
	e := startWharfIn(t, "", env...)
	lines, out, code := doctorLines(t, e, env...)
	if code != 0 {
		t.Fatalf("doctor exit %d on a healthy setup:\n%s", code, out)
	}
	for check, ls := range lines {
		for _, ln := range ls {
			if !strings.HasPrefix(ln, "ok ") {
				t.Errorf("%s: %q, want ok", check, ln)
			}
		}
	}
	for check, want := range map[string][]string{
		"settings":       {"valid; read " + filepath.Join(e.data, "wharf.toml")},
		"base URL":       {e.base + " reaches a Wharf server"},
		"database":       {filepath.Join(e.data, "wharf.db") + " answers, at migration"},
		"package store":  {filepath.Join(e.data, "packages") + " takes, returns and deletes a probe object"},
		"trusted issuer": {"github: " + iss.URL + " (github): discovery document and 1 signing keys"},
		"sign-in":        {"OpenID Connect at " + iss.URL + " (client wharf-doctor): discovery document read"},
	} {
		if !has(lines[check], "ok", want...) {
			t.Errorf("no ok line for %s saying %q:\n%s", check, want, out)
		}
	}
	if strings.Contains(out, "doctor-secret") {
		t.Errorf("doctor printed the client secret:\n%s", out)
	}
	if leftover, _ := filepath.Glob(filepath.Join(e.data, "packages", "packages", "wharf-doctor", "probe", "*")); len(leftover) > 0 {
		t.Errorf("the probe object was left behind: %v", leftover)
	}

	lines, out, code = doctorLines(t, e)
	if code != 0 || !has(lines["trusted issuer"], "ok", iss.URL) || !has(lines["sign-in"], "warn", "never recorded in wharf.toml") {
		t.Errorf("doctor without the server's environment: exit %d\n%s", code, out)
	}
}

// TestDoctorBroken: each broken setting gives a fail line saying what to
// fix, and exit 1; text from a hostile issuer reaches the terminal escaped.
func TestDoctorBroken(t *testing.T) {
	t.Parallel()
	e := startWharfIn(t, "")
	closed := fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	hostile := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, "\x1b]0;owned\a\x1b[2J\nfail  forged line")
	}))
	t.Cleanup(hostile.Close)

	for _, tc := range []struct {
		name  string
		env   []string
		check string
		want  []string
	}{
		{"wrong base URL", []string{"WHARF_BASE_URL=" + closed}, "base URL",
			[]string{"Wharf answers on its listen address " + e.base + " but not at the base URL " + closed, "set base_url to the URL that reaches this server"}},
		{"base URL that does not resolve", []string{"WHARF_BASE_URL=http://wharf-doctor.invalid"}, "base URL",
			[]string{"the host wharf-doctor.invalid of http://wharf-doctor.invalid does not resolve", "set base_url to a name clients can resolve"}},
		{"loopback base URL for a public listener", []string{"WHARF_LISTEN=0.0.0.0:5999", "WHARF_BASE_URL=http://localhost:5999"}, "base URL",
			[]string{"the server listens on 0.0.0.0:5999 for other machines, but http://localhost:5999 names this machine's loopback", "set base_url to the URL they use"}},
		{"unreachable issuer", []string{"WHARF_TRUSTED_ISSUERS=github=" + closed}, "trusted issuer",
			[]string{closed + " (github): discovery document", "connection refused", "CI tokens from it will be refused"}},
		{"hostile issuer", []string{"WHARF_TRUSTED_ISSUERS=gitlab=" + hostile.URL}, "trusted issuer",
			[]string{hostile.URL + " (gitlab)", `\x1b]0;owned\x07\x1b[2J\nfail  forged line`}},
		{"invalid settings", []string{"WHARF_LOG_FORMAT=xml"}, "settings", []string{`log_format: "xml" must be text or json`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lines, out, code := doctorLines(t, e, tc.env...)
			if code != 1 || !has(lines[tc.check], "fail", tc.want...) {
				t.Errorf("exit %d, want 1 and a fail line for %s saying %q:\n%s", code, tc.check, tc.want, out)
			}
			if strings.ContainsAny(out, "\x1b\a") || len(lines["fail"]) > 0 {
				t.Errorf("doctor sent a raw escape or a forged line to the terminal:\n%q", out)
			}
			if tc.check == "base URL" && !has(lines["settings"], "warn", "base_url differs here from "+filepath.Join(e.data, "wharf.toml")) {
				t.Errorf("no warning that this command's base URL is not the recorded one:\n%s", out)
			}
		})
	}
}

// TestDoctorUnwritableStore: a read-only package store fails the store
// check with what to fix.
func TestDoctorUnwritableStore(t *testing.T) {
	t.Parallel()
	store := filepath.Join(t.TempDir(), "store")
	fs := tmpfs.Mount(t, store, "1m")
	if err := os.Mkdir(filepath.Join(store, ".tmp"), 0o750); err != nil {
		t.Fatal(err)
	}
	fs.ReadOnly(true)
	e := &e2e{bin: wharfBinary(t), data: t.TempDir()}
	lines, out, code := doctorLines(t, e, "WHARF_STORAGE_URL=file://"+store)
	if code != 1 || !has(lines["package store"], "fail", "cannot write to file://"+store, "read-only", "give the user running Wharf write access") {
		t.Errorf("exit %d, want 1 and a fail line for the store:\n%s", code, out)
	}
}

// TestDoctorPostgresS3: a server on PostgreSQL (its URL with a password)
// and S3 records both without the password; doctor run in its data
// directory with only the S3 credentials (never recorded) reaches the
// same database and bucket, and its probe object leaves the bucket as it
// was.
func TestDoctorPostgresS3(t *testing.T) {
	t.Parallel()
	env := testenv.ServerEnv(t, testenv.PostgresS3)
	var creds []string
	for i, kv := range env {
		if strings.HasPrefix(kv, "WHARF_DATABASE_URL=postgres://postgres@") {
			env[i] = strings.Replace(kv, "postgres://postgres@", "postgres://postgres:hunter2@", 1)
		}
		if strings.HasPrefix(kv, "WHARF_S3_") {
			creds = append(creds, kv)
		}
	}
	e := startWharfIn(t, "", env...)
	text, err := os.ReadFile(filepath.Join(e.data, "wharf.toml"))
	if err != nil || !strings.Contains(string(text), `database_url = "postgres://postgres@`) || !strings.Contains(string(text), `storage_url = "s3://`) ||
		strings.Contains(string(text), "hunter2") || strings.Contains(string(text), "WHARF_S3") {
		t.Fatalf("recorded settings (%v):\n%s", err, text)
	}
	lines, out, code := doctorLines(t, e, creds...)
	if code != 0 || !has(lines["database"], "ok", "postgres://postgres@127.0.0.1:", "answers, at migration") ||
		!has(lines["package store"], "ok", "s3://", "takes, returns and deletes a probe object") {
		t.Errorf("doctor with only the S3 credentials: exit %d\n%s", code, out)
	}
	if strings.Contains(out, "hunter2") {
		t.Errorf("doctor printed the password:\n%s", out)
	}
	// Without the credentials the store check says what to fix.
	lines, out, code = doctorLines(t, e)
	if code != 1 || !has(lines["package store"], "fail", "s3://") {
		t.Errorf("doctor without S3 credentials: exit %d\n%s", code, out)
	}
}
