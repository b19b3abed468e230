// Package events is Wharf's event vocabulary and its webhooks: which
// changes are reported (Kind), what a report carries (Event, its JSON
// payload), how deliveries are signed (Sign, Verify), and the use cases
// of registering webhooks and delivering their events from the durable
// outbox (Service). It knows nothing of HTTP routing or SQL: the outbox
// and webhooks live behind Store, which internal/db implements; the
// events of a change are written by the store in the change's own
// transaction (see Store.Enqueue and internal/db), so an answered change
// never loses its event. Errors are the kinds of package fault.
package events

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/wharf-registry/wharf/internal/fault"
)

// The error kinds this package returns (package fault's).
var (
	ErrNotFound  = fault.ErrNotFound
	ErrInvalid   = fault.ErrInvalid
	ErrForbidden = fault.ErrForbidden
)

// Kind is the type of an event, as webhooks subscribe to it and as the
// Wharf-Event header and the payload's "type" name it.
type Kind string

// The event vocabulary. Pushed, Unlisted, Relisted, Deprecated, Deleted
// and the policy kinds are emitted by the registry today; Held, Staged
// and Promoted are for release staging and are emitted by calling
// Service.Emit with HeldEvent, StagedEvent or PromotedEvent.
const (
	Pushed        Kind = "pushed"
	Held          Kind = "held"
	Staged        Kind = "staged"
	Promoted      Kind = "promoted"
	Unlisted      Kind = "unlisted"
	Relisted      Kind = "relisted"
	Deprecated    Kind = "deprecated"
	Deleted       Kind = "deleted"
	PolicyCreated Kind = "policy.created"
	PolicyChanged Kind = "policy.changed"
	PolicyRemoved Kind = "policy.removed"
	// Test is the event of the "send test event" button; webhooks do not
	// subscribe to it, it goes to one webhook.
	Test Kind = "test"
)

// Kinds lists the kinds a webhook may subscribe to, in the order forms
// show them.
var Kinds = []Kind{Pushed, Held, Staged, Promoted, Unlisted, Relisted, Deprecated, Deleted, PolicyCreated, PolicyChanged, PolicyRemoved}

// Describe says what a kind reports, for forms and docs.
func Describe(k Kind) string {
	switch k {
	case Pushed:
		return "a version was pushed"
	case Held:
		return "a version was held"
	case Staged:
		return "a version was staged"
	case Promoted:
		return "a staged version was promoted"
	case Unlisted:
		return "a version was unlisted"
	case Relisted:
		return "a version was listed again"
	case Deprecated:
		return "versions were deprecated or undeprecated"
	case Deleted:
		return "a version was deleted for good"
	case PolicyCreated:
		return "a trust policy was created"
	case PolicyChanged:
		return "a trust policy was changed"
	case PolicyRemoved:
		return "a trust policy was removed"
	}
	return string(k)
}

// ParseKinds checks a list of kind names (duplicates are dropped) and
// returns them in the order of Kinds. Errors: ErrInvalid, naming the
// unknown kind or saying that none was chosen.
func ParseKinds(names []string) ([]Kind, error) {
	var out []Kind
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		if n == "" {
			continue
		}
		if n == "policy" { // the family: every policy change
			out = append(out, PolicyCreated, PolicyChanged, PolicyRemoved)
			continue
		}
		if !slices.Contains(Kinds, Kind(n)) {
			return nil, fault.FieldErrorf(ErrInvalid, "events", "'%s' is not an event: choose from %s.", n, kindList())
		}
		out = append(out, Kind(n))
	}
	if len(out) == 0 {
		return nil, fault.FieldErrorf(ErrInvalid, "events", "Choose at least one event to send.")
	}
	var sorted []Kind
	for _, k := range Kinds {
		if slices.Contains(out, k) {
			sorted = append(sorted, k)
		}
	}
	return sorted, nil
}

func kindList() string {
	s := make([]string, len(Kinds))
	for i, k := range Kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// Event is one change to report. The store fills FeedID, OwnerIDs and
// the names when it writes the event in the change's transaction; the
// routing fields (FeedID, OwnerIDs) decide which webhooks receive it and
// are not sent.
type Event struct {
	ID         string    `json:"id"`
	Type       Kind      `json:"type"`
	OccurredAt time.Time `json:"occurredAt"`
	Actor      string    `json:"actor,omitempty"` // the user (or organisation key) that made the change; "" for the operator
	Feed       string    `json:"feed,omitempty"`
	Package    *Package  `json:"package,omitempty"`
	Policy     *Policy   `json:"policy,omitempty"`
	Reason     string    `json:"reason,omitempty"` // a delete's reason

	FeedID   int64   `json:"-"` // the feed of the package (0 for policies)
	OwnerIDs []int64 `json:"-"` // the accounts whose webhooks may receive it
	ActorID  int64   `json:"-"`
}

// Package names the package and versions an event is about.
type Package struct {
	ID       string   `json:"id"`
	Versions []string `json:"versions"`
}

// Policy names the trust policy an event is about.
type Policy struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Owner string `json:"owner,omitempty"`
}

// NewID returns a random event ID ("evt_" and 24 hex digits): receivers
// use it to recognise a delivery they already handled.
func NewID() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return "evt_" + hex.EncodeToString(b)
}

// Body is the JSON document a delivery of e sends.
func (e *Event) Body() ([]byte, error) { return json.Marshal(e) }

// PackageEvent builds an event about versions of a package; the store
// fills its feed and owners when it enqueues it.
func PackageEvent(kind Kind, id string, versions []string, actorID int64, at time.Time) Event {
	return Event{Type: kind, OccurredAt: at.UTC(), ActorID: actorID, Package: &Package{ID: id, Versions: versions}}
}

// HeldEvent is the event of a version held back from the feed.
func HeldEvent(id, version string, actorID int64, at time.Time) Event {
	return PackageEvent(Held, id, []string{version}, actorID, at)
}

// StagedEvent is the event of a version pushed to a stage.
func StagedEvent(id, version string, actorID int64, at time.Time) Event {
	return PackageEvent(Staged, id, []string{version}, actorID, at)
}

// PromotedEvent is the event of a staged version promoted to the feed.
func PromotedEvent(id, version string, actorID int64, at time.Time) Event {
	return PackageEvent(Promoted, id, []string{version}, actorID, at)
}
