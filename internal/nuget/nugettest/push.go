package nugettest

import (
	"bytes"
	"io"
	"net/http"
)

// pushBoundary separates the parts of a push body.
const pushBoundary = "wharf-test-boundary"

// PushBody returns the multipart body NuGet clients send to push nupkg,
// and its Content-Type.
// https://learn.microsoft.com/nuget/api/package-publish-resource
func PushBody(nupkg []byte) (body []byte, contentType string) {
	head, tail := PushFraming()
	return append(append(append([]byte{}, head...), nupkg...), tail...), "multipart/form-data; boundary=" + pushBoundary
}

// PushFraming returns what goes before and after the package bytes in a
// push body, for tests that stream the package themselves.
func PushFraming() (head, tail []byte) {
	return []byte("--" + pushBoundary + "\r\nContent-Disposition: form-data; name=\"package\"; filename=\"package.nupkg\"\r\nContent-Type: application/octet-stream\r\n\r\n"),
		[]byte("\r\n--" + pushBoundary + "--\r\n")
}

// PushRequest builds the PUT that pushes nupkg to a feed's publish URL
// (.../api/v2/package) with an API key ("" for none). body, when not nil,
// replaces the package bytes with a stream of the whole multipart body.
func PushRequest(publishURL, key string, nupkg []byte, body io.Reader) *http.Request {
	b, ct := PushBody(nupkg)
	if body == nil {
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(http.MethodPut, publishURL+"/", body)
	req.Header.Set("Content-Type", ct)
	if key != "" {
		req.Header.Set("X-NuGet-ApiKey", key)
	}
	return req
}
