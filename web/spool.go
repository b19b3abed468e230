package web

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"syscall"

	"github.com/wharf-registry/wharf/internal/registry"
)

// multipartSlack is how much a multipart envelope may add to the package.
const multipartSlack = 1 << 20

// errBodyTooLarge marks a body that went past its limit.
var errBodyTooLarge = errors.New("request body too large")

// limitReader reads at most n bytes and fails with errBodyTooLarge beyond.
type limitReader struct {
	r io.Reader
	n int64
}

// Read reads up to the limit and fails with errBodyTooLarge beyond it.
func (l *limitReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		// Probe for one more byte to tell "exactly the limit" from "more".
		var one [1]byte
		n, err := l.r.Read(one[:])
		if n > 0 {
			return 0, errBodyTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// spoolUpload streams the package in a push request to a temporary file in
// dir, never holding it in memory. It accepts multipart/form-data (the
// package is the first part, as NuGet clients send it) or a raw body, and
// refuses more than max bytes. The caller closes and removes the file.
func (s *Server) spoolUpload(req *http.Request, max int64) (*os.File, int64, error) {
	tooLarge := &registry.Error{Kind: registry.ErrTooLarge, Message: fmt.Sprintf("The package is larger than this feed's limit of %s.", registry.SizeText(max))}
	if req.ContentLength > max+multipartSlack {
		return nil, 0, tooLarge
	}
	var src io.Reader = &limitReader{r: req.Body, n: max + multipartSlack}
	mediaType, params, _ := mime.ParseMediaType(req.Header.Get("Content-Type"))
	if mediaType == "multipart/form-data" {
		if params["boundary"] == "" {
			return nil, 0, invalidf("The multipart request has no boundary. Send the .nupkg as multipart/form-data with one part, or as the raw body.")
		}
		part, err := multipart.NewReader(src, params["boundary"]).NextPart()
		if errors.Is(err, errBodyTooLarge) {
			return nil, 0, tooLarge
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, 0, s.uploadTimedOut()
		}
		if errors.Is(err, io.EOF) {
			return nil, 0, invalidf("The multipart request has no part: its body never starts one with the boundary '%s' that its Content-Type names. Send the .nupkg as the first part.", headerSafe(truncate(params["boundary"], 70)))
		}
		if err != nil {
			return nil, 0, invalidf("The multipart request holds no package part (%v). Send the .nupkg as the first part.", err)
		}
		defer part.Close()
		src = part
	}
	f, err := os.CreateTemp(s.tempDir, "upload-*.nupkg")
	if err != nil {
		return nil, 0, spoolError(fmt.Errorf("spool upload: %w", err))
	}
	n, err := io.Copy(f, &limitReader{r: src, n: max})
	if err != nil {
		err = spoolError(err)
	}
	if err == nil && n == 0 {
		err = invalidf("The request contains no package. Send the .nupkg as multipart/form-data or as the raw body.")
	}
	if errors.Is(err, errBodyTooLarge) {
		err = tooLarge
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		err = s.uploadTimedOut()
	}
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		var re *registry.Error
		if !errors.As(err, &re) {
			err = invalidf("The upload was interrupted before the package was complete (%v). Push again.", err)
		}
		return nil, 0, err
	}
	return f, n, nil
}

// uploadTimedOut explains a push whose body did not arrive within the
// upload timeout (a slow link, or a client that dribbles on purpose).
func (s *Server) uploadTimedOut() error {
	return invalidf("The upload did not finish within the %s this feed allows. Push again over a faster connection, or ask the feed's operator to raise upload_timeout.", shortDuration(s.uploadTO))
}

// truncate cuts s to at most n bytes, marking the cut with "…".
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func invalidf(format string, args ...any) error {
	return &registry.Error{Kind: registry.ErrInvalid, Message: fmt.Sprintf(format, args...)}
}

// spoolError tells a spool write that the disk refused (full, or
// read-only) from other failures, which it returns unchanged.
func spoolError(err error) error {
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return fmt.Errorf("%w: %w", &registry.Error{Kind: registry.ErrStorageFull,
			Message: "The server's disk is full: it has no room to receive the package, and nothing was saved. Ask the operator to free space, then push again."}, err)
	case errors.Is(err, syscall.EROFS):
		return fmt.Errorf("%w: %w", &registry.Error{Kind: registry.ErrUnavailable,
			Message: "The server's disk is read-only: it cannot receive the package, and nothing was saved. Ask the operator to check it, then push again."}, err)
	}
	return err
}
