package registry

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
)

// accountName is the shape of user and organisation names: what GitHub and
// GitLab allow, so that names from sign-in providers fit.
var accountName = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9])?$`)

// NewUser asks for a user account.
type NewUser struct {
	Name    string
	Email   string
	IsAdmin bool
}

// AddUser creates a user. Errors: ErrInvalid (bad name or e-mail),
// ErrConflict (the name is taken by a user or an organisation).
func (s *Service) AddUser(ctx context.Context, req NewUser) (*Account, error) {
	name := strings.TrimSpace(req.Name)
	if !accountName.MatchString(name) {
		return nil, errorf(ErrInvalid, "'%s' is not a valid user name: use 1 to 64 letters, digits, '.', '_' or '-', starting and ending with a letter or digit.", name)
	}
	email := strings.TrimSpace(req.Email)
	if err := checkText("e-mail address", email); err != nil {
		return nil, err
	}
	if email != "" {
		if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
			return nil, errorf(ErrInvalid, "'%s' is not a valid e-mail address.", email)
		}
	}
	a := &Account{Name: name, Kind: KindUser, Email: email, IsAdmin: req.IsAdmin, CreatedAt: s.now()}
	if err := s.store.CreateAccount(ctx, a); err != nil {
		if errors.Is(err, ErrConflict) {
			return nil, errorf(ErrConflict, "The name '%s' is already taken.", name)
		}
		return nil, fmt.Errorf("add user %s: %w", name, err)
	}
	return a, nil
}

// user finds a user account by name.
func (s *Service) user(ctx context.Context, name string) (*Account, error) {
	a, err := s.store.AccountByName(ctx, name)
	if err != nil {
		return nil, notFound(err, "There is no user named '%s'. Check the spelling: a person has an account once they have signed in to Wharf.", name)
	}
	if a.Kind != KindUser {
		return nil, errorf(ErrInvalid, "'%s' is an organisation, not a user.", name)
	}
	return a, nil
}

// actorID is the account ID an audit entry or event records for actor
// (0: the operator's command line).
func actorID(a *Account) int64 {
	if a == nil {
		return 0
	}
	return a.ID
}
