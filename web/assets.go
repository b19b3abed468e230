package web

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/wharf-registry/wharf/static"
)

// assets are the URLs of the embedded static files, each with a content
// hash in its query so browsers may cache them for a year.
type assets struct{ css, js string }

func newAssets() (assets, error) {
	versioned := func(path string) (string, error) {
		b, err := fs.ReadFile(static.FS, strings.TrimPrefix(path, "/static/"))
		if err != nil {
			return "", err
		}
		sum := sha256.Sum256(b)
		return path + "?v=" + hex.EncodeToString(sum[:6]), nil
	}
	css, err := versioned("/static/css/wharf.css")
	if err != nil {
		return assets{}, err
	}
	js, err := versioned("/static/js/app.js")
	if err != nil {
		return assets{}, err
	}
	return assets{css: css, js: js}, nil
}

// staticFiles serves the embedded files under /static/.
func (s *Server) staticFiles() echo.HandlerFunc {
	files := http.StripPrefix("/static/", http.FileServer(http.FS(static.FS)))
	return func(c echo.Context) error {
		p := c.Request().URL.Path
		if strings.HasSuffix(p, "/") {
			return echo.ErrNotFound
		}
		if c.QueryParam("v") != "" {
			c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			c.Response().Header().Set("Cache-Control", "public, max-age=300")
		}
		files.ServeHTTP(c.Response(), c.Request())
		return nil
	}
}
