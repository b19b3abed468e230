package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/wharf-registry/wharf/internal/config"
	"github.com/wharf-registry/wharf/internal/db"
	"github.com/wharf-registry/wharf/internal/events"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/storage"
	"github.com/wharf-registry/wharf/internal/storage/fs"
	"github.com/wharf-registry/wharf/internal/storage/s3"
	"github.com/wharf-registry/wharf/internal/trust"
	"github.com/wharf-registry/wharf/internal/upstream"
)

// app holds what every subcommand shares: the settings and, once opened,
// the database, the blob store and the registry service.
type app struct {
	getenv     func(string) string
	configPath string
	flags      config.Config // values of flags the user set
	cfg        config.Config
	loaded     config.Loaded // where cfg came from, for serve's record and doctor
	log        *slog.Logger
	db         *db.DB
	blobs      storage.Blobs
	reg        *registry.Service

	serving bool           // wharf serve, whose issuers are its own; admin commands take the server's
	issuers []trust.Issuer // the trusted issuers, once opened
}

func newRootCmd(getenv func(string) string) *cobra.Command {
	a := &app{getenv: getenv}
	root := &cobra.Command{
		Use:           "wharf",
		Short:         "Wharf is a self-hosted NuGet V3 registry with trusted publishing",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	pf := root.PersistentFlags()
	pf.StringVar(&a.configPath, "config", "", "TOML file read over the data directory's wharf.toml (env WHARF_CONFIG)")
	pf.StringVar(&a.flags.DataDir, "data", "", "data directory holding the database and packages (env WHARF_DATA, default ./wharf-data)")
	root.AddCommand(a.serveCmd(), a.migrateCmd(), a.userCmd(), a.keyCmd(), a.ownerCmd(), a.orgCmd(), a.policyCmd(), a.auditCmd(), a.checkCmd(), a.doctorCmd(), a.feedCmd(), a.packageCmd(), a.prefixCmd(), a.upstreamCmd(), a.deployCmd(), a.deprecateCmd(), a.advisoryCmd(), a.webhookCmd(), a.retentionCmd(), a.stageCmd())
	return root
}

// load reads the settings: defaults, the data directory's wharf.toml, the
// --config file, the environment, then flags (config.Resolve).
func (a *app) load(cmd *cobra.Command) error {
	l, err := a.resolve(cmd)
	if err != nil {
		return err
	}
	cfg := l.Config
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("invalid settings:\n%w", err)
	}
	a.cfg, a.loaded = cfg, l
	a.log = slog.New(a.logHandler(os.Stderr))
	return nil
}

// configFile is the file --config or WHARF_CONFIG names, "" for none.
func (a *app) configFile() string {
	if a.configPath != "" {
		return a.configPath
	}
	return a.getenv("WHARF_CONFIG")
}

// resolve reads the settings without validating them.
func (a *app) resolve(cmd *cobra.Command) (config.Loaded, error) {
	f := cmd.Flags()
	return config.Resolve(config.Sources{ConfigFile: a.configFile(), Getenv: a.getenv, Flags: func(cfg *config.Config) {
		set := func(name string, apply func()) {
			if fl := f.Lookup(name); fl != nil && fl.Changed {
				apply()
			}
		}
		set("data", func() { cfg.DataDir = a.flags.DataDir })
		set("listen", func() { cfg.Listen = a.flags.Listen })
		set("base-url", func() { cfg.BaseURL = a.flags.BaseURL })
		set("max-package-size", func() { cfg.MaxPackageSize = a.flags.MaxPackageSize })
	}})
}

// logHandler writes records to w in the configured format and level.
func (a *app) logHandler(w io.Writer) slog.Handler {
	level := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}[a.cfg.LogLevel]
	opts := &slog.HandlerOptions{Level: level}
	if a.cfg.LogFormat == "json" {
		// encoding/json leaves C1 controls and text-direction marks raw;
		// the text handler quotes them already.
		opts.ReplaceAttr = escapeLogAttr
		return slog.NewJSONHandler(w, opts)
	}
	return slog.NewTextHandler(w, opts)
}

// open loads the settings and opens the database, storage and service.
func (a *app) open(ctx context.Context, cmd *cobra.Command) error {
	if err := a.load(cmd); err != nil {
		return err
	}
	if err := a.cfg.EnsureDirs(); err != nil {
		return err
	}
	d, err := db.Open(ctx, a.cfg.DatabaseURL, a.cfg.DataDir)
	if err != nil {
		if a.cfg.DatabaseURL != "" && a.getenv("WHARF_DATABASE_URL") == "" && !hasPassword(a.cfg.DatabaseURL) {
			return fmt.Errorf("%w; %s names this database without a password (wharf serve never writes one there): "+
				"give it in WHARF_DATABASE_URL, PGPASSWORD or ~/.pgpass", err, a.loaded.DataFile)
		}
		return err
	}
	// A later 'wharf migrate' into this database must not overwrite it.
	if err := d.MarkInUse(ctx, time.Now()); err != nil {
		d.Close()
		return err
	}
	blobs, err := openBlobs(ctx, a.cfg, a.getenv)
	if err != nil {
		d.Close()
		return err
	}
	retentionEvery, err := a.cfg.RetentionEveryFor()
	if err != nil {
		d.Close()
		return err
	}
	maxAge, err := a.cfg.FeedMaxAgeFor(d.Dialect() == "sqlite")
	if err != nil {
		d.Close()
		return err
	}
	issuers, err := trust.ParseIssuers(a.cfg.TrustedIssuers)
	if err != nil {
		d.Close()
		return fmt.Errorf("trusted_issuers: %w", err)
	}
	if !a.serving {
		issuers = serverIssuers(ctx, d, issuers, os.Stderr)
	}
	a.issuers = issuers
	if err := trust.ApplyOIDCClaims(issuers, a.cfg.OIDCClaims); err != nil {
		d.Close()
		return fmt.Errorf("oidc_claims: %w", err)
	}
	verifier, err := trust.NewVerifier(trust.VerifierOptions{Issuers: issuers, Audience: a.cfg.Audience})
	if err != nil {
		d.Close()
		return err
	}
	rate := a.cfg.ExchangesPerMinute
	if rate == 0 {
		rate = -1
	}
	var banned []string // nil: the default list
	if strings.TrimSpace(a.cfg.BannedEvents) == "none" {
		banned = []string{}
	}
	for _, e := range strings.Split(a.cfg.BannedEvents, ",") {
		if e = strings.TrimSpace(e); e != "" {
			banned = append(banned, e)
		}
	}
	upstreamStats := &upstream.Stats{}
	reg, err := registry.New(d, blobs, registry.Options{
		MaxPackageSize: int64(a.cfg.MaxPackageSize), Logger: a.log,
		Verifier: verifier, Issuers: issuers, TrustedKeyTTL: a.cfg.TrustedKeyTTL.D(), BannedEvents: banned, ExchangesPerMinute: rate,
		FeedMaxAge: maxAge, RetentionEvery: retentionEvery,
		SignIn: registry.SignInRules{
			AllowedDomains: config.List(a.cfg.AllowedDomains), AllowedGroups: config.List(a.cfg.AllowedGroups), Admins: config.List(a.cfg.Admins),
		},
		SessionTTL: a.cfg.SessionTTL.D(),
		Upstream: upstream.New(upstream.Options{
			AllowPrivate: a.cfg.UpstreamAllowPrivate, MaxPackageBytes: int64(a.cfg.MaxPackageSize),
			UserAgent: "Wharf (+" + a.cfg.BaseURL + ")", Observe: upstreamStats.Observe,
		}),
		UpstreamStats: upstreamStats,
		TempDir:       a.cfg.TempDir(),
		Webhooks: events.Options{
			AllowPrivate: a.cfg.WebhookAllowPrivate, Timeout: a.cfg.WebhookTimeout.D(), OwnHosts: ownHosts(a.cfg.BaseURL),
		},
	})
	if err != nil {
		d.Close()
		return err
	}
	a.db, a.blobs, a.reg = d, blobs, reg
	return nil
}

// ownHosts is the host of the base URL, where webhooks must not point.
func ownHosts(baseURL string) []string {
	u, err := url.Parse(baseURL)
	if err != nil || u.Hostname() == "" {
		return nil
	}
	return []string{u.Hostname()}
}

// hasPassword reports whether a database URL carries a password.
func hasPassword(databaseURL string) bool {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return false
	}
	_, ok := u.User.Password()
	return ok || u.Query().Has("password")
}

// openBlobs opens the package store the settings name: a folder, or an
// S3 bucket whose credentials come from the environment.
func openBlobs(ctx context.Context, cfg config.Config, getenv func(string) string) (storage.Blobs, error) {
	if strings.HasPrefix(cfg.StorageURL, "s3://") {
		sc, err := s3.ParseURL(cfg.StorageURL)
		if err != nil {
			return nil, fmt.Errorf("storage_url: %w", err)
		}
		if err := sc.CredentialsFromEnv(getenv); err != nil {
			return nil, err
		}
		return s3.Open(ctx, sc)
	}
	dir, err := cfg.StoragePath()
	if err != nil {
		return nil, err
	}
	return fs.New(dir)
}

func (a *app) close() {
	if a.db != nil {
		a.db.Close()
	}
}

// withService opens the data directory around a command.
func (a *app) withService(run func(cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if err := a.open(cmd.Context(), cmd); err != nil {
			return err
		}
		defer a.close()
		return run(cmd, args)
	}
}

// databaseName describes the database for logs: the SQLite path, or the
// PostgreSQL URL without its password.
func (a *app) databaseName() string {
	if a.cfg.DatabaseURL == "" {
		return a.cfg.DatabasePath()
	}
	return db.Redact(a.cfg.DatabaseURL)
}
