package registry

import (
	"strings"

	"github.com/wharf-registry/wharf/internal/nuget"
)

// normalizeGlobs validates package-ID globs: ID characters and '*', which
// matches any run of characters. Matching ignores case, as IDs do.
func normalizeGlobs(globs []string) ([]string, error) {
	var out []string
	for _, g := range globs {
		g = strings.TrimSpace(g)
		if g == "" {
			continue
		}
		if len(g) > nuget.MaxIDLength {
			return nil, fieldErrorf(ErrInvalid, "package glob", "The package glob '%s' is longer than %d characters.", g, nuget.MaxIDLength)
		}
		for _, r := range g {
			if !(r == '*' || r == '.' || r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
				return nil, fieldErrorf(ErrInvalid, "package glob", "The package glob '%s' is invalid: use package-ID characters and '*', as in 'Contoso.*'.", g)
			}
		}
		out = append(out, g)
	}
	return out, nil
}

// matchGlobs reports whether id matches one of globs; no globs match all.
func matchGlobs(globs []string, id string) bool {
	if len(globs) == 0 {
		return true
	}
	for _, g := range globs {
		if globMatch(strings.ToLower(g), strings.ToLower(id)) {
			return true
		}
	}
	return false
}

// globMatch matches s against a pattern in which '*' stands for any run of
// characters, in linear time.
func globMatch(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && pattern[p] == s[i]:
			p++
			i++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
