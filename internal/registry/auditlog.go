package registry

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
)

// MaxAuditPage bounds one page of the audit log (the web UI shows 100).
const MaxAuditPage = 10000

// AuditQuery is an audit log search as people type it: every field is
// optional text.
type AuditQuery struct {
	Event   string // an event kind ("user.disable") or its family ("user")
	Outcome string // accepted, rejected or done
	Actor   string // a user's name, or "#ID" for a removed user
	Package string // a package ID
	Policy  string // a trust policy's number
	From    string // YYYY-MM-DD or RFC 3339, inclusive
	To      string // YYYY-MM-DD (the whole day) or RFC 3339, exclusive
	Before  int64  // the page below this event ID; 0 for the newest
	Limit   int    // at most MaxAuditPage; 0 for 100
}

// AuditFilter is a parsed AuditQuery, as the store takes it.
type AuditFilter struct {
	Kind, Outcome string
	ActorID       int64
	PolicyID      int64
	Package       string // the package ID as stored (its canonical case)
	From, To      time.Time
	Before        int64
	Limit         int
	// Restricted limits the page to events about the trust policies of
	// the accounts in OwnerIDs (as the event's policy or its closest
	// policy): what a user who is not an administrator may read.
	Restricted bool
	OwnerIDs   []int64
}

// AuditSearch lists one page of audit events matching q, newest first,
// and the ID to pass as Before for the next page (0 when this is the
// last). Errors: ErrInvalid for a filter that does not parse, ErrNotFound
// for an unknown actor.
func (s *Service) AuditSearch(ctx context.Context, q AuditQuery) ([]AuditEvent, int64, error) {
	return s.auditSearch(ctx, q, nil)
}

// auditSearch is AuditSearch, limited to what the account who may see
// (policy events of the accounts they manage) when who is not nil.
func (s *Service) auditSearch(ctx context.Context, q AuditQuery, who *Account) ([]AuditEvent, int64, error) {
	f := AuditFilter{Kind: strings.TrimSpace(q.Event), Outcome: strings.ToLower(strings.TrimSpace(q.Outcome)), Before: q.Before, Limit: q.Limit}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	f.Limit = min(f.Limit, MaxAuditPage)
	if len(f.Kind) > 100 || len(q.Actor) > 100 || len(q.Package) > 200 || len(q.Policy) > 20 {
		return nil, 0, errorf(ErrInvalid, "A filter of the audit log is too long.")
	}
	switch f.Outcome {
	case "", "accepted", "rejected", "done":
	default:
		return nil, 0, errorf(ErrInvalid, "'%s' is not an outcome: use accepted, rejected or done.", q.Outcome)
	}
	if a := strings.TrimSpace(q.Actor); a != "" {
		if n, ok := strings.CutPrefix(a, "#"); ok {
			id, err := strconv.ParseInt(n, 10, 64)
			if err != nil || id <= 0 {
				return nil, 0, errorf(ErrInvalid, "'%s' is not a user: write a name, or # and a number.", a)
			}
			f.ActorID = id
		} else {
			acc, err := s.store.AccountByName(ctx, a)
			if who != nil && errors.Is(err, ErrNotFound) {
				return nil, 0, nil // an owner's page: no events, rather than a way to test names
			}
			if err != nil {
				return nil, 0, notFound(err, "There is no user named '%s'. A removed user is written # and their number, as the log shows it.", a)
			}
			f.ActorID = acc.ID
		}
	}
	if p := strings.TrimSpace(q.Policy); p != "" {
		id, err := strconv.ParseInt(strings.TrimPrefix(p, "#"), 10, 64)
		if err != nil || id <= 0 {
			return nil, 0, errorf(ErrInvalid, "'%s' is not a trust policy number: write the number the policy page shows.", p)
		}
		f.PolicyID = id
	}
	if p := strings.TrimSpace(q.Package); p != "" {
		f.Package = p
		if pkg, err := s.store.Package(ctx, strings.ToLower(p)); err == nil {
			f.Package = pkg.Name
		} else if !errors.Is(err, ErrNotFound) {
			return nil, 0, err
		}
	}
	var err error
	if f.From, err = auditTime("from", q.From, false); err != nil {
		return nil, 0, err
	}
	if f.To, err = auditTime("to", q.To, true); err != nil {
		return nil, 0, err
	}
	if who != nil {
		if f.OwnerIDs, err = s.managedAccounts(ctx, who); err != nil {
			return nil, 0, err
		}
		f.Restricted = true
	}
	es, err := s.store.AuditPage(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	next := int64(0)
	if len(es) == f.Limit {
		next = es[len(es)-1].ID
	}
	return es, next, nil
}

// AuditSearchAs is AuditSearch for an administrator. Errors: ErrForbidden.
func (s *Service) AuditSearchAs(ctx context.Context, actor *Account, q AuditQuery) ([]AuditEvent, int64, error) {
	if !actor.IsAdmin {
		return nil, 0, errorf(ErrForbidden, "Only administrators can read the audit log.")
	}
	return s.AuditSearch(ctx, q)
}

// auditTime reads a day or an instant; a day given as an end means the
// end of that day.
func auditTime(field, v string, end bool) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errorf(ErrInvalid, "'%s' is not a time for '%s': write a day (2026-12-05) or a time (2026-12-05T09:30:00Z).", v, field)
}
