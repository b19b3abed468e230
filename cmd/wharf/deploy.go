package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/wharf-registry/wharf/internal/deploy"
	"github.com/wharf-registry/wharf/web"
)

func (a *app) deployCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "deploy",
		Short: "Print configuration for the servers Wharf runs behind",
	}
	cmd.AddCommand(a.deployNginxCmd())
	return cmd
}

func (a *app) deployNginxCmd() *cobra.Command {
	var n deploy.Nginx
	cmd := &cobra.Command{
		Use:   "nginx [--listen-on PORT] [--full --prefix DIR]",
		Short: "Print an nginx configuration that serves the restore path without Wharf",
		Long: "Prints an nginx server block for this installation (its base URL, Wharf's\n" +
			"address and the package folder filled in): the static copy of the public feeds'\n" +
			"restore documents is served from disk, and everything else (search, push, the\n" +
			"web UI, private feeds, upstream mirrors, whatever the copy lacks) is proxied to\n" +
			"Wharf. Restores of public packages keep working while Wharf or its database is\n" +
			"down. Put the output in /etc/nginx/conf.d/ (inside http {}), or print a whole\n" +
			"nginx.conf with --full. With S3 storage, a private registry or static_copy off\n" +
			"there is nothing on disk to serve, and the configuration proxies everything.\n" +
			"See docs/deployment.md.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.load(cmd); err != nil {
				return err
			}
			cfg := a.cfg
			n.BaseURL, n.Wharf, n.MaxBody = cfg.BaseURL, cfg.Listen, int64(cfg.MaxPackageSize)+(1<<20)
			dir, err := cfg.StoragePath()
			if err != nil {
				return err
			}
			if dir != "" && cfg.StaticCopy && !cfg.Private {
				if dir, err = filepath.Abs(dir); err != nil {
					return err
				}
				n.StaticRoot = filepath.Join(dir, filepath.FromSlash(web.StaticPrefix))
			}
			if n.Full && n.Prefix == "" {
				return fmt.Errorf("--full needs --prefix: the folder for nginx's pid file, logs and temporary files")
			}
			conf, err := n.Config()
			if err != nil {
				return err
			}
			_, err = fmt.Fprint(cmd.OutOrStdout(), conf)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&n.Listen, "listen-on", "", "where nginx listens (port or address:port; default the base URL's port)")
	f.BoolVar(&n.Full, "full", false, "print a whole nginx.conf rather than a server block for conf.d")
	f.StringVar(&n.Prefix, "prefix", "", "with --full: folder for the pid file, logs and temporary files")
	f.StringVar(&n.User, "user", "", "with --full: the user nginx's workers run as")
	f.IntVar(&n.Workers, "workers", 0, "with --full: worker_processes (default auto)")
	return cmd
}
