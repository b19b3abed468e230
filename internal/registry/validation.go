package registry

import (
	"github.com/wharf-registry/wharf/internal/nuget"
)

// pushRules are the checks a push makes beyond what nuget.OpenPackage
// enforces for every package (well-formed nuspec, limits, IDs, ranges),
// as nuget.org makes them where they protect the people who restore the
// package. Mirrored packages never pass through here: Wharf keeps what
// their source serves byte for byte (integrity, not style). Every rule and
// every nuget.org validation left out is listed in docs/validation.md.
// Errors: ErrInvalid with the sentence to show.
func pushRules(m *nuget.Manifest) error {
	for _, g := range m.DependencyGroups {
		where := "for any framework"
		if g.TargetFramework != "" {
			where = "for " + EscapeText(g.TargetFramework)
		}
		for _, d := range g.Dependencies {
			if d.Range == "" || d.Range == "(, )" {
				// nuget.org has refused these since 2017: restore would take
				// the lowest version there is, whatever breaks.
				return errorf(ErrInvalid, "The dependency on '%s' %s has no version. Give it the lowest version the package works with (for example version=\"1.2.0\", meaning 1.2.0 or later) and pack again.", d.ID, where)
			}
		}
	}
	// nuget.org refuses every package without license information
	// (PackageMetadataValidationService, unless AllowLicenselessPackages);
	// Wharf accepts those, as internal packages often have none, but not
	// one that asks users to accept a license it does not name.
	if m.RequireLicenseAcceptance && m.License == nil && m.LicenseURL == "" {
		return errorf(ErrInvalid, "The nuspec asks users to accept a license (requireLicenseAcceptance) but names none. Add a <license> element or set requireLicenseAcceptance to false, and pack again.")
	}
	return nil
}
