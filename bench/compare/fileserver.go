package main

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"time"
)

// fileServerMode is the argument that makes this program a plain Go
// static file server instead: net/http's FileServer over the nginx root,
// with a server set up as Wharf's is. It shows what Go's HTTP stack costs
// before any of Wharf's work: the floor under Wharf's figures.
const fileServerMode = "fileserver"

// serveFiles serves root on addr until killed.
func serveFiles(root, addr string) error {
	files := http.FileServer(http.Dir(root))
	mux := http.NewServeMux()
	mux.Handle("/", files)
	mux.HandleFunc("GET /v3/search", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, root+"/v3/search/q-"+r.URL.Query().Get("q")+".json")
	})
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	return srv.ListenAndServe()
}

// startFileServer runs this program in file-server mode on a free port.
func startFileServer(root string, out *os.File) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	s, _, err := start("go", exec.Command(self, fileServerMode, root, addr), "http://"+addr, "/v3/search?q=", out)
	return s, err
}
