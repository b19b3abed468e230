package events

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// The headers of a delivery (docs/webhooks.md).
const (
	// HeaderSignature carries "t=<unix seconds>,v1=<hex HMAC-SHA256>",
	// the HMAC keyed with the webhook's secret over "<t>.<body>".
	HeaderSignature = "Wharf-Signature"
	// HeaderEventID is the event's ID, the same on every retry: the
	// receiver's idempotency key.
	HeaderEventID = "Wharf-Event-Id"
	// HeaderEvent is the event's kind.
	HeaderEvent = "Wharf-Event"
	// HeaderDelivery is the delivery's number (one per event and webhook).
	HeaderDelivery = "Wharf-Delivery"
)

// DefaultTolerance is how old a signature receivers should accept.
const DefaultTolerance = 5 * time.Minute

// Sign returns the Wharf-Signature value of body at t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks a Wharf-Signature header value against body as a
// receiver does: the HMAC must match (compared in constant time) and the
// timestamp must be within tolerance of now, either way, so a captured
// delivery cannot be replayed later. Receivers should also drop an event
// ID they already handled.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return errors.New("the signature header has no timestamp or no v1 signature")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return errors.New("the signature's timestamp is outside the tolerance")
	}
	want := mac(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			return nil
		}
	}
	return errors.New("no signature matches")
}
