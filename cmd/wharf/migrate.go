package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/wharf-registry/wharf/internal/db"
	"github.com/wharf-registry/wharf/internal/transfer"
)

func (a *app) migrateCmd() *cobra.Command {
	var toDB, toStorage string
	cmd := &cobra.Command{
		Use:   "migrate --to-database URL --to-storage URL",
		Short: "Move this registry into PostgreSQL and another package store",
		Long: "Copy every package file and every row of this registry (the data directory's SQLite\n" +
			"and package folder, or what database_url and storage_url name) into an empty\n" +
			"PostgreSQL database and another package store, verifying every file byte for byte.\n" +
			"Stop the server first. Run it again to resume an interrupted move, or to bring the\n" +
			"target up to date until a server or admin command has used it; it refuses a target\n" +
			"holding any other registry, or a move that has been in use since. The target URL\n" +
			"may also come from WHARF_TO_DATABASE_URL, which keeps its password out of ps.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if toDB == "" {
				toDB = a.getenv("WHARF_TO_DATABASE_URL")
			}
			if !db.IsPostgresURL(toDB) {
				return fmt.Errorf("--to-database: give the target as postgres://user:password@host:5432/dbname")
			}
			if toStorage == "" {
				return fmt.Errorf("--to-storage: give the target package store, e.g. s3://bucket/wharf?endpoint=https://minio.internal:9000&path_style=true or file:///srv/wharf-packages")
			}
			if err := a.load(cmd); err != nil {
				return err
			}
			target := a.cfg
			target.StorageURL = toStorage
			toDir, err := target.StoragePath()
			if err != nil {
				return fmt.Errorf("--to-storage: %w", err)
			}
			if fromDir, _ := a.cfg.StoragePath(); toStorage == a.cfg.StorageURL || toDir != "" && fromDir == toDir {
				return fmt.Errorf("--to-storage names the package store this registry already uses")
			}
			return a.migrate(cmd, toDB, target.StorageURL)
		},
	}
	cmd.Flags().StringVar(&toDB, "to-database", "", "target PostgreSQL URL (or env WHARF_TO_DATABASE_URL)")
	cmd.Flags().StringVar(&toStorage, "to-storage", "", "target package store URL (s3://bucket/prefix?endpoint=... or file:///path)")
	return cmd
}

func (a *app) migrate(cmd *cobra.Command, toDB, toStorage string) error {
	ctx := cmd.Context()
	if err := a.open(ctx, cmd); err != nil {
		return err
	}
	defer a.close()
	stderr := cmd.ErrOrStderr()
	fmt.Fprintf(stderr, "Moving %s and %s\n    to %s and %s\n", a.databaseName(), a.storageName(a.cfg.StorageURL), db.Redact(toDB), toStorage)
	dst, err := db.Open(ctx, toDB, "")
	if err != nil {
		return err
	}
	defer dst.Close()
	target := a.cfg
	target.StorageURL = toStorage
	blobs, err := openBlobs(ctx, target, a.getenv)
	if err != nil {
		return err
	}
	m := &transfer.Move{
		FromDB: a.db, FromBlobs: a.blobs, ToDB: dst, ToBlobs: blobs,
		Progress: func(format string, args ...any) { fmt.Fprintf(stderr, format+"\n", args...) },
	}
	sum, err := m.Run(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	fmt.Fprint(cmd.OutOrStdout(), sum.String())
	fmt.Fprintf(stderr, "Done. Point every replica at the new database and store (WHARF_DATABASE_URL, WHARF_STORAGE_URL).\n")
	return nil
}

// storageName describes a package store for messages.
func (a *app) storageName(storageURL string) string {
	if storageURL == "" {
		return a.cfg.PackagesDir()
	}
	return storageURL
}
