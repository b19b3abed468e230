// Package static holds the web UI's style sheet, script and images,
// embedded in the binary so that a Wharf server is one file.
package static

import "embed"

// FS is the static files, served under /static/.
//
//go:embed css js
var FS embed.FS
