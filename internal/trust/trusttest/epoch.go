package trusttest

import (
	"fmt"
	"os"
	"time"
)

// defaultEpoch is the moment tests fix their clocks at unless
// WHARF_TEST_EPOCH says otherwise.
var defaultEpoch = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

// Epoch returns the fixed moment tests start their injected clocks at:
// 2026-11-21T10:00:00Z, or the RFC 3339 time in WHARF_TEST_EPOCH. Running
// the suite with WHARF_TEST_EPOCH a year before and a year after today
// proves that no test mixes the injected clock with the wall clock (a
// test that does starts failing as the calendar moves past its date).
// A malformed WHARF_TEST_EPOCH panics: a typo must not silently run the
// suite at the default date.
func Epoch() time.Time {
	v := os.Getenv("WHARF_TEST_EPOCH")
	if v == "" {
		return defaultEpoch
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		panic(fmt.Sprintf("WHARF_TEST_EPOCH=%q is not an RFC 3339 time such as 2027-12-04T10:00:00Z: %v", v, err))
	}
	return t.UTC()
}
