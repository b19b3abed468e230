package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/wharf-registry/wharf/internal/config"
	"github.com/wharf-registry/wharf/internal/logbuf"
	"github.com/wharf-registry/wharf/web"
)

func (a *app) serveCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the registry server",
		Long: "Run the registry server. With no settings it keeps SQLite and a package folder\n" +
			"under ./wharf-data and listens on localhost:5555. SIGINT or SIGTERM stops it\n" +
			"after in-flight requests finish. The settings it is given by flags, the environment\n" +
			"or --config (secrets aside) are recorded in the data directory's wharf.toml, which\n" +
			"every admin command reads, so they act with the server's settings.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a.serving = true
			if err := a.open(cmd.Context(), cmd); err != nil {
				return err
			}
			defer a.close()
			return a.serve(cmd.Context())
		},
	}
	f := cmd.Flags()
	f.StringVar(&a.flags.Listen, "listen", "", "address to listen on (env WHARF_LISTEN, default localhost:5555)")
	f.StringVar(&a.flags.BaseURL, "base-url", "", "public URL of the server, for absolute links (env WHARF_BASE_URL)")
	f.Var(&a.flags.MaxPackageSize, "max-package-size", "largest package accepted (env WHARF_MAX_PACKAGE_SIZE, default 250MB)")
	return cmd
}

// staticCatchUpEvery is how often the static copy looks for changes made
// by other processes.
const staticCatchUpEvery = 5 * time.Second

// serve runs the HTTP server until ctx ends, then shuts down gracefully.
func (a *app) serve(ctx context.Context) error {
	cfg := a.cfg
	// One access-log line per request is written in batches (at most
	// 64 KB or one second old), as nginx's buffered access_log does: a
	// write call per line cost more than answering a cached document.
	// Warnings and errors are written at once; Close flushes the rest.
	lw := logbuf.New(os.Stderr, 64<<10, time.Second)
	defer lw.Close()
	a.log = slog.New(logbuf.Urgent(a.logHandler(lw), lw, slog.LevelWarn))
	// The cached feed is most of the heap and lives as long as the
	// process; Go's default lets the heap reach twice that before
	// collecting. Collecting at 1.5 times keeps a 100,000-version feed
	// under 200 MB of RSS for a few percent of CPU. GOGC still decides.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
	if sw, ok := a.blobs.(interface{ SweepTemp(time.Duration) error }); ok {
		if err := sw.SweepTemp(time.Hour); err != nil {
			a.log.Warn("sweeping temporary files failed", "err", err)
		}
	}
	sweepSpool(cfg.TempDir(), a.log)
	// Users who no longer satisfy changed sign-in rules are suspended
	// before the first request is served; if the database does not answer
	// now, the check is retried in the background until it does.
	if !a.checkSignInRules(ctx) {
		go func() {
			for !a.checkSignInRules(ctx) {
				select {
				case <-ctx.Done():
					return
				case <-time.After(30 * time.Second):
				}
			}
		}()
	}
	go func() {
		n, err := a.reg.SweepOrphans(ctx, time.Hour)
		if err != nil {
			a.log.Warn("sweeping orphaned package files failed", "err", err)
		} else if n > 0 {
			a.log.Info("removed orphaned package files left by interrupted pushes", "files", n)
		}
	}()
	proxies, err := cfg.ProxyRanges()
	if err != nil {
		return err
	}
	srv, err := web.NewServer(web.ServerConfig{
		Registry: a.reg, BaseURL: cfg.BaseURL, Contact: cfg.Contact, TempDir: cfg.TempDir(), Logger: a.log,
		RequestTimeout: cfg.RequestTimeout.D(), UploadTimeout: cfg.UploadTimeout.D(), TrustedProxies: proxies,
		SignIn: signInConfig(cfg.SignIn), Audience: cfg.Audience, MetricsOnMain: cfg.MetricsListen == "",
		Private: cfg.Private, StaticCopy: cfg.StaticCopy, CDNBaseURL: cfg.CDNBaseURL,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	a.recordSettings()
	a.recordIssuers(ctx, a.issuers)
	hs := srv.HTTPServer()
	stopMetrics, err := a.serveMetrics(srv)
	if err != nil {
		ln.Close()
		return err
	}
	defer stopMetrics()
	stopPprof, err := a.servePprof()
	if err != nil {
		ln.Close()
		return err
	}
	defer stopPprof()
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	staticDone := make(chan struct{})
	hooksDone := make(chan struct{})
	go func() {
		a.reg.Run(bg, time.Second)
		close(done)
	}()
	go func() {
		// Webhook deliveries from the outbox, leased so replicas share them.
		a.reg.Webhooks().Run(bg, time.Second)
		close(hooksDone)
	}()
	go func() {
		// The static copy catches up at start (after a crash, whatever
		// was cut short) and then every few seconds (other processes'
		// changes); this process's own changes are published at once.
		if sc := srv.Static(); sc != nil {
			sc.Run(bg, staticCatchUpEvery)
		}
		close(staticDone)
	}()
	go func() {
		t0 := time.Now()
		if err := a.reg.Preload(bg); err != nil {
			a.log.Warn("loading the feed for search failed; the first search will retry", "err", err)
			return
		}
		a.log.Debug("feed loaded for search", "took", time.Since(t0).String())
	}()
	a.log.Info("wharf is serving", "listen", ln.Addr().String(), "feed", srv.URLs().ServiceIndex(), "data", cfg.DataDir,
		"database", a.databaseName())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		stopBG()
		<-done
		<-staticDone
		<-hooksDone
		return err
	case <-ctx.Done():
	}
	a.log.Info("shutting down: finishing in-flight requests", "timeout", cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout.D())
	defer cancel()
	err = hs.Shutdown(sctx)
	stopBG()
	<-done
	<-staticDone
	<-hooksDone
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	a.log.Info("stopped")
	return nil
}

// recordSettings writes the settings this server was given by flags, the
// environment or a --config file into the data directory's wharf.toml,
// where the admin commands read them. A failure is a warning: the server
// works, but admin commands run without its settings will not know them.
func (a *app) recordSettings() {
	keys, err := config.Record(a.loaded, a.loaded.Config)
	switch {
	case err != nil:
		a.log.Warn("could not record the settings for the admin commands: they will not know this server's settings unless given the same flags and environment",
			"file", a.loaded.DataFile, "err", err)
	case len(keys) > 0:
		a.log.Info("recorded settings for the admin commands", "file", a.loaded.DataFile, "settings", strings.Join(keys, ","))
	}
}

// sweepSpool removes upload spool files a crash left behind.
func sweepSpool(dir string, log *slog.Logger) {
	matches, _ := filepath.Glob(filepath.Join(dir, "upload-*.nupkg"))
	for _, m := range matches {
		if info, err := os.Stat(m); err == nil && time.Since(info.ModTime()) > time.Hour {
			if err := os.Remove(m); err != nil {
				log.Warn("removing stale upload failed", "file", m, "err", err)
			}
		}
	}
}

// signInConfig turns the settings into the web UI's sign-in providers.
func signInConfig(c config.SignIn) web.SignInConfig {
	out := web.SignInConfig{WantGroups: c.AllowedGroups != "", WantVerifiedEmail: c.AllowedDomains != ""}
	if c.GitHubClientID != "" {
		out.GitHub = &web.OAuthApp{ClientID: c.GitHubClientID, ClientSecret: c.GitHubClientSecret, URL: c.GitHubURL}
	}
	if c.GitLabClientID != "" {
		out.GitLab = &web.OAuthApp{ClientID: c.GitLabClientID, ClientSecret: c.GitLabClientSecret, URL: c.GitLabURL}
	}
	if c.OIDCClientID != "" {
		out.OIDC = &web.OIDCApp{Issuer: c.OIDCIssuer, ClientID: c.OIDCClientID, ClientSecret: c.OIDCClientSecret, Label: c.OIDCLabel}
	}
	return out
}

// checkSignInRules applies changed sign-in rules to the users (see
// registry.CheckSignInRules) and reports whether it could.
func (a *app) checkSignInRules(ctx context.Context) bool {
	suspended, lifted, err := a.reg.CheckSignInRules(ctx)
	if err != nil {
		a.log.Warn("checking users against the sign-in rules failed; retrying", "err", err)
		return false
	}
	if suspended+lifted > 0 {
		a.log.Info("the sign-in rules changed", "suspended", suspended, "restored", lifted)
	}
	return true
}
