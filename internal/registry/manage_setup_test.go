package registry_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
)

// orgSetup is a registry where alice administers contoso and bob is a
// plain member of it; mallory belongs to nothing. alice owns Alice.Lib;
// contoso owns Contoso.Lib, pushed with alice's key for contoso.
type orgSetup struct {
	s                    *registry.Service
	alice, bob, mallory  *registry.Account
	aliceKey, contosoKey *registry.APIKey
}

func newOrgSetup(t *testing.T) *orgSetup {
	t.Helper()
	ctx := context.Background()
	s, _ := newService(t)
	o := &orgSetup{s: s}
	for _, u := range []struct {
		name string
		to   **registry.Account
	}{{"alice", &o.alice}, {"bob", &o.bob}, {"mallory", &o.mallory}} {
		a, err := s.AddUser(ctx, registry.NewUser{Name: u.name})
		if err != nil {
			t.Fatal(err)
		}
		*u.to = a
	}
	if _, err := s.AddOrganization(ctx, "contoso", "alice"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetMember(ctx, "contoso", "bob", registry.RoleMember); err != nil {
		t.Fatal(err)
	}
	o.aliceKey = o.push(t, "", "Alice.Lib")
	o.contosoKey = o.push(t, "contoso", "Contoso.Lib")
	return o
}

// push creates a key of alice's publishing for owner and pushes id 1.0.0
// and 2.0.0 with it.
func (o *orgSetup) push(t *testing.T, owner, id string) *registry.APIKey {
	t.Helper()
	ctx := context.Background()
	secret, _, err := o.s.CreateKey(ctx, registry.NewKey{User: "alice", Owner: owner})
	if err != nil {
		t.Fatal(err)
	}
	k, err := o.s.Authenticate(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"1.0.0", "2.0.0"} {
		if _, err := o.s.Push(ctx, k, upload(nugettest.Spec{ID: id, Version: v}.Build())); err != nil {
			t.Fatal(err)
		}
	}
	return k
}

func (o *orgSetup) actor(name string) *registry.Account {
	switch name {
	case "alice":
		return o.alice
	case "bob":
		return o.bob
	case "mallory":
		return o.mallory
	}
	return &registry.Account{ID: -1, Name: name, Kind: registry.KindUser, IsAdmin: name == "admin"}
}

// owners lists a package's owners, read again from the store.
func (o *orgSetup) owners(t *testing.T, id string) string {
	t.Helper()
	p, err := o.s.Package(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range p.Owners {
		names = append(names, a.Name)
	}
	slices.Sort(names)
	return strings.Join(names, ",")
}

func (o *orgSetup) listed(t *testing.T, id, version string) bool {
	t.Helper()
	_, v, err := o.s.Version(context.Background(), id, version)
	if err != nil {
		t.Fatal(err)
	}
	return v.Listed
}

func (o *orgSetup) members(t *testing.T) string {
	t.Helper()
	ms, err := o.s.Members(context.Background(), "contoso")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range ms {
		out = append(out, m.User.Name+":"+string(m.Role))
	}
	slices.Sort(out)
	return strings.Join(out, ",")
}

// wantErr checks that err is of kind want (nil for success), and that a
// refusal says why.
func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Errorf("%s: %v, want success", what, err)
	case want != nil && !errors.Is(err, want):
		t.Errorf("%s: %v, want %v", what, err, want)
	case want != nil && registry.Message(err) == "":
		t.Errorf("%s: %v carries no sentence for the user", what, err)
	}
}
