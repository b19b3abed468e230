package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/wharf-registry/wharf/web"
)

// serveMetrics starts the metrics listener when metrics_listen names an
// address, and returns what stops it. With metrics_listen empty the main
// listener serves /metrics; with "off" nothing does.
func (a *app) serveMetrics(srv *web.Server) (stop func(), err error) {
	addr := a.cfg.MetricsListen
	if addr == "" || addr == "off" {
		return func() {}, nil
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", srv.MetricsHandler())
	return a.serveSide("metrics_listen", addr, "/metrics", mux)
}

// servePprof starts Go's profiler on pprof_listen (a loopback address,
// checked by the configuration) when it is set.
func (a *app) servePprof() (stop func(), err error) {
	addr := a.cfg.PprofListen
	if addr == "" {
		return func() {}, nil
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return a.serveSide("pprof_listen", addr, "/debug/pprof/", mux)
}

// serveSide serves h on its own listener at addr, beside the main one,
// and returns what stops it.
func (a *app) serveSide(setting, addr, path string, h http.Handler) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", setting, addr, err)
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("side listener failed", "setting", setting, "err", err)
		}
	}()
	a.log.Info("serving "+path, "listen", ln.Addr().String(), "setting", setting)
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx)
	}, nil
}
