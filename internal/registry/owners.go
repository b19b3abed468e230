package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wharf-registry/wharf/internal/storage"
)

// AddOwner makes an account (a user or an organisation) an owner of a
// package, as an administrator does from the command line. Errors:
// ErrNotFound (no such package or account).
func (s *Service) AddOwner(ctx context.Context, id, account string) error {
	p, a, err := s.packageAndAccount(ctx, id, account)
	if err != nil {
		return err
	}
	return s.addOwner(ctx, p, a)
}

// addOwner makes a an owner of p, read fresh by the caller.
func (s *Service) addOwner(ctx context.Context, p *Package, a *Account) error {
	if p.OwnedBy(a.ID) {
		return nil
	}
	if err := s.store.SetOwner(ctx, strings.ToLower(p.Name), a.ID, true, s.now()); err != nil {
		return fmt.Errorf("add owner %s to %s: %w", a.Name, p.Name, err)
	}
	s.audit(ctx, &AuditEvent{Kind: "owner.add", Outcome: "done", Subject: p.Name, Message: a.Name + " now owns " + p.Name})
	_, err := s.cat.reload(ctx, strings.ToLower(p.Name))
	return err
}

// RemoveOwner removes an owner from a package; the last owner stays.
// Errors: ErrNotFound, ErrConflict (the account is the only owner).
func (s *Service) RemoveOwner(ctx context.Context, id, account string) error {
	p, a, err := s.packageAndAccount(ctx, id, account)
	if err != nil {
		return err
	}
	return s.removeOwner(ctx, p, a)
}

// removeOwner removes a from the owners of p, read fresh by the caller.
func (s *Service) removeOwner(ctx context.Context, p *Package, a *Account) error {
	if !p.OwnedBy(a.ID) {
		return errorf(ErrNotFound, "%s is not an owner of %s.", a.Name, p.Name)
	}
	if len(p.Owners) == 1 {
		return errorf(ErrConflict, "%s is the only owner of %s; add another owner first.", a.Name, p.Name)
	}
	if err := s.store.SetOwner(ctx, strings.ToLower(p.Name), a.ID, false, s.now()); err != nil {
		return fmt.Errorf("remove owner %s from %s: %w", a.Name, p.Name, err)
	}
	s.audit(ctx, &AuditEvent{Kind: "owner.remove", Outcome: "done", Subject: p.Name, Message: a.Name + " no longer owns " + p.Name})
	_, err := s.cat.reload(ctx, strings.ToLower(p.Name))
	return err
}

func (s *Service) packageAndAccount(ctx context.Context, id, account string) (*Package, *Account, error) {
	p, err := s.freshPackage(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	a, err := s.account(ctx, account)
	return p, a, err
}

// freshPackage is Package read through to the store, for changes that
// must not act on a stale snapshot.
func (s *Service) freshPackage(ctx context.Context, id string) (*Package, error) {
	if _, err := s.cat.reload(ctx, strings.ToLower(id)); err != nil {
		return nil, err
	}
	return s.Package(ctx, id)
}

// account finds a user or organisation by name.
func (s *Service) account(ctx context.Context, name string) (*Account, error) {
	a, err := s.store.AccountByName(ctx, name)
	if err != nil {
		return nil, notFound(err, "There is no user or organisation named '%s'.", name)
	}
	return a, nil
}

// SweepOrphans deletes stored files that no version references and that
// are older than olderThan: what a push interrupted by a crash leaves. The
// age guard keeps files of pushes still in flight. It returns the number of
// files removed.
func (s *Service) SweepOrphans(ctx context.Context, olderThan time.Duration) (int, error) {
	live := map[string]bool{}
	if err := s.store.BlobPrefixes(ctx, func(p string) error { live[p] = true; return nil }); err != nil {
		return 0, err
	}
	cutoff := s.now().Add(-olderThan)
	var orphans []string
	err := s.blobs.List(ctx, "packages/", func(info storage.Info) error {
		i := strings.LastIndex(info.Key, "/")
		if i < 0 || live[info.Key[:i]] || info.ModTime.After(cutoff) {
			return nil
		}
		orphans = append(orphans, info.Key)
		return nil
	})
	if err != nil {
		return 0, err
	}
	removed := 0
	for _, k := range orphans {
		if err := s.blobs.Delete(ctx, k); err != nil && !errors.Is(err, storage.ErrNotFound) {
			return removed, err
		}
		removed++
	}
	return removed, nil
}
