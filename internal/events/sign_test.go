package events

import (
	"strings"
	"testing"
	"time"
)

func TestSignVerify(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"id":"evt_1"}`)
	sig := Sign("whsec_x", now, body)
	if !strings.HasPrefix(sig, "t=1800000000,v1=") {
		t.Fatalf("Sign = %q", sig)
	}
	for _, tc := range []struct {
		name, secret, header string
		body                 []byte
		at                   time.Time
		ok                   bool
	}{
		{"good", "whsec_x", sig, body, now, true},
		{"late within tolerance", "whsec_x", sig, body, now.Add(4 * time.Minute), true},
		{"replayed later", "whsec_x", sig, body, now.Add(6 * time.Minute), false},
		{"from the future", "whsec_x", sig, body, now.Add(-6 * time.Minute), false},
		{"other secret", "whsec_y", sig, body, now, false},
		{"body changed", "whsec_x", sig, []byte(`{"id":"evt_2"}`), now, false},
		{"timestamp changed", "whsec_x", strings.Replace(sig, "t=1800000000", "t=1800000001", 1), body, now, false},
		{"no v1", "whsec_x", "t=1800000000", body, now, false},
		{"garbage", "whsec_x", "nonsense", body, now, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Verify(tc.secret, tc.header, tc.body, tc.at, DefaultTolerance)
			if (err == nil) != tc.ok {
				t.Errorf("Verify = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestParseKinds(t *testing.T) {
	got, err := ParseKinds([]string{"deleted", "pushed", "policy", "pushed"})
	if err != nil {
		t.Fatal(err)
	}
	want := []Kind{Pushed, Deleted, PolicyCreated, PolicyChanged, PolicyRemoved}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	if _, err := ParseKinds([]string{"pushd"}); err == nil || !strings.Contains(err.Error(), "'pushd' is not an event") {
		t.Errorf("unknown kind: %v", err)
	}
	if _, err := ParseKinds(nil); err == nil {
		t.Error("no kinds accepted")
	}
}
