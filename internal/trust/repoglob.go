package trust

import (
	"fmt"
	"strings"
)

// Organisation-wide policies. A policy's Repository may be a glob of
// repository names: "*" (every repository of the owner, written owner/*)
// or a pattern such as "sdk-*". The glob only ever covers repositories of
// the policy's RepoOwner: the owner is compared whole (case-insensitive)
// before the glob is tried, and a glob never matches a "/", so neither
// "contoso-evil/sdk" nor a GitLab subgroup "contoso/sub/sdk" is one of
// contoso's. A glob policy binds the owner's ID only (its RepositoryID is
// AnyRepository), never one repository's ID: a repository deleted and
// re-created under a matching name (a new repository ID) still matches,
// as the grant is for the owner, and the registry records the new ID as
// a new first use, shown with the policy.

// RepoGlob reports whether the policy's Repository is a glob (it contains
// "*"), so that the policy covers several repositories of its owner.
func (p *Policy) RepoGlob() bool { return strings.Contains(p.Repository, "*") }

// MatchRepoGlob reports whether the repository name (without its owner)
// matches pattern: "*" matches any run of characters other than "/",
// every other character itself, case-insensitively (as GitHub and GitLab
// resolve names). A name containing "/" never matches.
func MatchRepoGlob(pattern, name string) bool {
	if name == "" || strings.Contains(name, "/") {
		return false
	}
	return globFold(strings.ToLower(pattern), strings.ToLower(name))
}

// globFold matches lower-cased p against s, backtracking over the last
// star only (linear in practice, never exponential).
func globFold(p, s string) bool {
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case pi < len(p) && p[pi] == s[si]:
			pi++
			si++
		case star >= 0:
			mark++
			pi, si = star+1, mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// CheckRepoGlob says what is wrong with a repository-name glob, or nil.
func CheckRepoGlob(pattern string) error {
	switch {
	case pattern == "":
		return fmt.Errorf("the repository name is empty")
	case strings.Contains(pattern, "**"):
		return fmt.Errorf("'%s' has '**': one '*' already matches any part of a repository name", pattern)
	case strings.ContainsAny(pattern, "/?[]{} \t"):
		return fmt.Errorf("'%s' is not a repository name glob: only '*' is special, and it never crosses a '/'", pattern)
	}
	return nil
}

// matchRepository reports whether the claims' repository (owner/name) is
// the policy's: the same owner, and the name equal to the policy's or,
// for a glob policy, matching it.
func matchRepository(p *Policy, repository string) bool {
	if !p.RepoGlob() {
		return strings.EqualFold(repository, p.RepoOwner+"/"+p.Repository)
	}
	if !hasPrefixFold(repository, p.RepoOwner+"/") {
		return false
	}
	return MatchRepoGlob(p.Repository, repository[len(p.RepoOwner)+1:])
}
