package main

import (
	"fmt"
	"sort"
	"strings"
)

// claimFlag is --claim KEY=VALUE, repeatable, into a policy request's
// claim values (Buildkite, CircleCI and generic OIDC policies).
type claimFlag struct{ m *map[string]string }

// String lists the values given so far.
func (f claimFlag) String() string {
	if f.m == nil || *f.m == nil {
		return ""
	}
	var parts []string
	for k, v := range *f.m {
		parts = append(parts, k+"="+v)
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// Set adds one KEY=VALUE.
func (f claimFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	k = strings.TrimSpace(k)
	if !ok || k == "" {
		return fmt.Errorf("%q is not KEY=VALUE, e.g. --claim branch=main", s)
	}
	if *f.m == nil {
		*f.m = map[string]string{}
	}
	if _, dup := (*f.m)[k]; dup {
		return fmt.Errorf("--claim %s is given twice", k)
	}
	(*f.m)[k] = v
	return nil
}

// Type names the value in help.
func (claimFlag) Type() string { return "KEY=VALUE" }
