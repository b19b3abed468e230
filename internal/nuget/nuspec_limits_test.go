package nuget

import (
	"fmt"
	"strings"
	"testing"
)

// dependenciesXML is a <dependencies> element of groups groups of perGroup
// dependencies each.
func dependenciesXML(groups, perGroup int) string {
	var b strings.Builder
	b.WriteString("<dependencies>")
	for g := range groups {
		fmt.Fprintf(&b, `<group targetFramework="net%d.0">`, g+1)
		for d := range perGroup {
			fmt.Fprintf(&b, `<dependency id="Dep.N%d" version="1.0.0"/>`, d)
		}
		b.WriteString("</group>")
	}
	b.WriteString("</dependencies>")
	return b.String()
}

// TestParseManifestDependencyLimits: every dependency is rendered into the
// registration of every version, so their number is bounded far above
// real packages (the largest metapackages list a few hundred).
func TestParseManifestDependencyLimits(t *testing.T) {
	tests := []struct {
		name, deps string
		msg        string // "" = accepted
	}{
		{"at the limit in one group", dependenciesXML(1, MaxDependencies), ""},
		{"at the limit across groups", dependenciesXML(MaxDependencies/200, 200), ""},
		{"one over in one group", dependenciesXML(1, MaxDependencies+1),
			"The nuspec lists 2001 dependencies; the limit is 2000 across all target frameworks. Split the package, or depend on fewer packages."},
		{"over across groups", dependenciesXML(11, 200), "The nuspec lists 2200 dependencies; the limit is 2000"},
		{"too many groups", dependenciesXML(MaxDependencyGroups+1, 0),
			"The nuspec has 101 dependency groups; the limit is 100 target frameworks."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseManifest(strings.NewReader(nuspecWith(tc.deps)))
			switch {
			case tc.msg == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.msg != "" && err == nil:
				t.Errorf("accepted, want %q", tc.msg)
			case tc.msg != "" && !strings.Contains(err.Error(), tc.msg):
				t.Errorf("error %q, want it to contain %q", err, tc.msg)
			}
		})
	}
}
