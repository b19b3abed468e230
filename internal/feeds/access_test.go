package feeds

import (
	"context"
	"testing"
)

// TestRoles checks who reads, publishes and manages which feed: grants
// to a user, to an organisation's members and to every signed-in user,
// registry admins, and keys without the read scope.
func TestRoles(t *testing.T) {
	const (
		pub, secret, other = 1, 2, 3
		alice, bob, carol  = 10, 11, 12
		admin, contoso     = 13, 20
	)
	snap := NewSnapshot(&Data{
		Feeds: []Feed{{ID: pub, Name: "default"}, {ID: secret, Name: "secret", Private: true}, {ID: other, Name: "other", Private: true}},
		Grants: []Grant{
			{FeedID: secret, Kind: SubjectUser, SubjectID: alice, Role: RoleReader},
			{FeedID: secret, Kind: SubjectOrg, SubjectID: contoso, Role: RolePublisher},
			{FeedID: other, Kind: SubjectSignedIn, Role: RoleReader},
			{FeedID: pub, Kind: SubjectSignedIn, Role: RolePublisher},
		},
		Memberships: map[int64][]int64{bob: {contoso}},
		Admins:      []int64{admin},
	})
	readKey := &KeyFacts{Scopes: ScopeRead}
	pushKey := &KeyFacts{Scopes: ScopePush}
	for _, tc := range []struct {
		name string
		v    Viewer
		feed int64
		role Role
		read bool
	}{
		{"anonymous reads a public feed", Viewer{}, pub, RoleReader, true},
		{"anonymous does not read a private feed", Viewer{}, secret, RoleNone, false},
		{"a user granted reader reads", snap.ViewerFor(alice, false, nil), secret, RoleReader, true},
		{"a member of a granted organisation publishes", snap.ViewerFor(bob, false, nil), secret, RolePublisher, true},
		{"a user without a grant does not read", snap.ViewerFor(carol, false, nil), secret, RoleNone, false},
		{"signed-in grant covers everyone signed in", snap.ViewerFor(carol, false, nil), other, RoleReader, true},
		{"a registry admin manages every feed", snap.ViewerFor(admin, false, nil), secret, RoleAdmin, true},
		{"a read key reads what its user reads", snap.ViewerFor(alice, false, readKey), secret, RoleReader, true},
		{"a push-only key does not read a private feed", snap.ViewerFor(alice, false, pushKey), secret, RoleReader, false},
		{"a push-only key reads a public feed", snap.ViewerFor(alice, false, pushKey), pub, RolePublisher, true},
		{"an unknown feed is nobody's", snap.ViewerFor(admin, false, nil), 99, RoleNone, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := snap.Role(tc.v, tc.feed); got != tc.role {
				t.Errorf("role %s, want %s", got, tc.role)
			}
			if got := snap.CanRead(tc.v, tc.feed); got != tc.read {
				t.Errorf("may read: %t, want %t", got, tc.read)
			}
			r := snap.NewReader(tc.v, nil)
			if got := r.MayRead(tc.feed); got != tc.read {
				t.Errorf("the union reader may read: %t, want %t", got, tc.read)
			}
		})
	}
	if a, b := snap.Readable(Viewer{}).Key(), snap.Readable(snap.ViewerFor(carol, false, pushKey)).Key(); a != b || a != "1" {
		t.Errorf("anonymous reads %q and a push-only key %q, want both the public feed only (\"1\")", a, b)
	}
	if r := ReaderOf(context.Background()); r != Everything {
		t.Error("a context without a reader must read everything (the operator's tools)")
	}
}

func TestParseScopes(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{{nil, "push"}, {[]string{"read"}, "read"}, {[]string{"read", "push"}, "read,push"}, {[]string{"push,read"}, "read,push"}} {
		s, err := ParseScopes(tc.in)
		if err != nil || s.String() != tc.want {
			t.Errorf("ParseScopes(%q) = %s, %v; want %s", tc.in, s, err, tc.want)
		}
	}
	if _, err := ParseScopes([]string{"write"}); Message(err) == "" {
		t.Errorf("an unknown scope: %v, want a sentence", err)
	}
	if err := ValidateName("Secret_Feed"); Message(err) == "" {
		t.Errorf("an invalid name: %v, want a sentence", err)
	}
}
