// Command wharf is a self-hosted NuGet V3 package registry. "wharf serve"
// runs the server; the other subcommands administer users and API keys on
// the same data directory, also while the server runs.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/wharf-registry/wharf/internal/registry"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newRootCmd(os.Getenv).ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "wharf:", registry.EscapeText(err.Error()))
		os.Exit(1)
	}
}
