package trusttest

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"testing"
)

// NewActionsRunner plays the GitHub runner's side of getIDToken: it serves
// an endpoint like ACTIONS_ID_TOKEN_REQUEST_URL (which already has a query,
// so callers append "&audience=..."), and returns it with the request token
// to send as "Authorization: Bearer <token>". A GET with that token answers
// 200 {"value": "<jwt>"}: claims(audience) signed by iss, with aud set to
// the requested audience as GitHub does (when one is requested). A wrong
// or missing token answers 401; another method 405. It stops when the test
// ends. Set the two values as ACTIONS_ID_TOKEN_REQUEST_URL and
// ACTIONS_ID_TOKEN_REQUEST_TOKEN.
func NewActionsRunner(t testing.TB, iss *Issuer, claims func(audience string) map[string]any) (requestURL, requestToken string) {
	t.Helper()
	b := make([]byte, 20)
	rand.Read(b)
	requestToken = hex.EncodeToString(b)
	const path = "/_apis/distributedtask/hubs/Actions/plans/0d8c1e7f/jobs/5f2a9b3c/idtoken"
	mux := http.NewServeMux()
	mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			http.Error(w, `{"message":"method not allowed"}`, http.StatusMethodNotAllowed)
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+requestToken {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"message":"Unable to authenticate the request."}`))
			return
		}
		audience := r.URL.Query().Get("audience")
		c := claims(audience)
		if audience != "" {
			c["aud"] = audience
		}
		writeJSON(w, map[string]string{"value": iss.Token(c)})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL + path + "?api-version=2.0", requestToken
}
