package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// doctorTimeout bounds each network check of wharf doctor.
const doctorTimeout = 10 * time.Second

func (a *app) doctorCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "doctor",
		Short: "Check the settings, base URL, database, package store, issuers and sign-in, and say what to fix",
		Long: "Doctor reads the settings as every command does (the data directory's wharf.toml,\n" +
			"--config, the environment, flags) and checks them: that they are valid, that the base\n" +
			"URL resolves and reaches this server, that the database answers and is migrated as far\n" +
			"as this binary goes, that the package store takes, returns and deletes a probe object,\n" +
			"that each trusted issuer serves its discovery document and signing keys, and which\n" +
			"sign-in providers are configured. It prints one line per check, ok, warn or fail with\n" +
			"what to fix, and exits 1 when a check failed. It changes nothing but the probe object\n" +
			"(and creates the package folder when it is missing, as every command does).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d := &doctor{out: cmd.OutOrStdout()}
			a.doctor(cmd, d)
			if d.fails > 0 {
				return fmt.Errorf("%d of %d checks failed: fix what their lines say, then run wharf doctor again", d.fails, d.checks)
			}
			return nil
		},
	}
}

// doctor prints check results, one line each.
type doctor struct {
	out           io.Writer
	checks, fails int
}

func (d *doctor) line(status, check, format string, args ...any) {
	d.checks++
	if status == "fail" {
		d.fails++
	}
	// The text may quote servers' answers and settings: escaped, so it
	// stays on its line and sends no escape sequence to the terminal.
	fmt.Fprintf(d.out, "%-4s  %-15s %s\n", status, check, cell(fmt.Sprintf(format, args...)))
}

func (d *doctor) ok(check, format string, args ...any)   { d.line("ok", check, format, args...) }
func (d *doctor) warn(check, format string, args ...any) { d.line("warn", check, format, args...) }
func (d *doctor) fail(check, format string, args ...any) { d.line("fail", check, format, args...) }

// doctor runs every check; a check whose prerequisites failed is skipped.
func (a *app) doctor(cmd *cobra.Command, d *doctor) {
	ctx := cmd.Context()
	l, err := a.resolve(cmd)
	if err != nil {
		d.fail("settings", "%v", err)
		return
	}
	cfg := l.Config
	valid := cfg.Validate()
	if valid != nil {
		for _, msg := range strings.Split(valid.Error(), "\n") {
			d.fail("settings", "%s", msg)
		}
	} else {
		read := l.DataFile + " does not exist yet (wharf serve writes there the settings it is given)"
		if l.DataFileFound {
			read = "read " + l.DataFile
		}
		if extra := a.configFile(); extra != "" {
			read += ", then " + extra
		}
		d.ok("settings", "valid; %s, then this command's environment and flags", read)
	}
	for _, key := range l.Overridden() {
		d.warn("settings", "%s differs here from %s, which wharf serve recorded: this command's environment or flags set it, and the checks below use this command's value", key, l.DataFile)
	}
	a.checkBaseURL(ctx, d, cfg, valid == nil)
	a.checkDatabase(ctx, d, cfg)
	a.checkStore(ctx, d, cfg)
	checkIssuers(ctx, d, cfg)
	checkSignIn(ctx, d, cfg)
}
