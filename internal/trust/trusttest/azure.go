package trusttest

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"testing"
)

// NewAzureOIDCEndpoint plays Azure DevOps' side of a pipeline job's token
// request: it serves an endpoint like System.OidcRequestUri and returns it
// with the access token to send as "Authorization: Bearer <token>"
// (System.AccessToken). A POST with that token answers 200
// {"oidcToken": "<jwt>"}: claims() signed by iss; the job cannot choose an
// audience. A wrong or missing token answers 401; another method 405. Set
// the two values as SYSTEM_OIDCREQUESTURI and SYSTEM_ACCESSTOKEN. It stops
// when the test ends.
func NewAzureOIDCEndpoint(t testing.TB, iss *Issuer, claims func() map[string]any) (requestURI, accessToken string) {
	t.Helper()
	b := make([]byte, 20)
	rand.Read(b)
	accessToken = hex.EncodeToString(b)
	const path = "/contoso/271ef6f7/_apis/distributedtask/hubs/build/plans/0d8c1e7f/jobs/5f2a9b3c/oidctoken"
	mux := http.NewServeMux()
	mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, `{"message":"method not allowed"}`, http.StatusMethodNotAllowed)
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+accessToken {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"message":"Access denied."}`))
			return
		}
		writeJSON(w, map[string]string{"oidcToken": iss.Token(claims())})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL + path, accessToken
}
