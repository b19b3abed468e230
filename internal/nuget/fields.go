package nuget

import (
	"net/url"
	"strings"
	"unicode"
)

// This file validates the structured parts of a nuspec's <metadata>:
// URLs, <license>, <repository>, <packageTypes> and <dependencies>.

// checkWebURL requires value, when present, to be an absolute http(s) URL,
// as nuget.org does for projectUrl, iconUrl and licenseUrl.
func checkWebURL(field, value string) error {
	if value == "" {
		return nil
	}
	if !isAbsoluteURL(value, "http", "https") {
		return invalidf("The nuspec's <%s> '%s' is not an absolute http:// or https:// URL.", field, display(value))
	}
	return nil
}

// isAbsoluteURL reports whether s parses as a URL with a host and one of
// the given schemes (case-insensitive).
func isAbsoluteURL(s string, schemes ...string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return false
	}
	for _, sc := range schemes {
		if strings.EqualFold(u.Scheme, sc) {
			return true
		}
	}
	return false
}

// normalizeTags joins the tags with single spaces; like nuget.org it splits
// on whitespace, ',', ';' and '|'.
func normalizeTags(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == ',' || r == ';' || r == '|'
	}), " ")
}

// packagePath writes a path inside the package with forward slashes, as the
// client does when packing and nuget.org does when looking files up.
func packagePath(p string) string { return strings.ReplaceAll(p, `\`, "/") }

// readLicense validates <license>, following nuget.org's upload checks.
func readLicense(e *element) (*License, error) {
	if e == nil {
		return nil, nil
	}
	if len(e.children) > 0 {
		return nil, invalidf("The nuspec's <license> element may contain only text, not other elements.")
	}
	typ, _ := e.attr("type")
	version, _ := e.attr("version")
	l := &License{Type: strings.ToLower(strings.TrimSpace(typ)), Value: e.value(), Version: strings.TrimSpace(version)}
	if l.Value == "" {
		return nil, invalidf("The nuspec's <license> is empty: write an SPDX expression such as <license type=\"expression\">MIT</license>.")
	}
	if n := textLength(l.Value); n > MaxLicenseLength {
		return nil, invalidf("The nuspec's <license> has %d characters; the limit is %d.", n, MaxLicenseLength)
	}
	if l.Version != "" {
		if v, err := ParseVersion(l.Version); err != nil || !v.Equal(Version{Major: 1}) {
			return nil, invalidf("The nuspec's <license> has version '%s'; only license expression version 1.0.0 is supported.", display(l.Version))
		}
	}
	switch l.Type {
	case "expression":
		if !validLicenseExpression(l.Value) {
			return nil, invalidf("The nuspec's license expression '%s' is not valid: join SPDX license identifiers with AND, OR and WITH, e.g. MIT OR Apache-2.0.", display(l.Value))
		}
	case "file":
		l.Value = packagePath(l.Value)
	default:
		return nil, invalidf("The nuspec's <license> has type '%s'; it must be \"expression\" (an SPDX expression such as MIT) or \"file\" (a license file in the package).", display(typ))
	}
	return l, nil
}

// validLicenseExpression checks the syntax of an SPDX license expression:
// identifiers (an optional trailing '+'), "WITH exception", AND and OR, and
// parentheses. It does not check identifiers against the SPDX list.
func validLicenseExpression(s string) bool {
	toks := strings.Fields(strings.NewReplacer("(", " ( ", ")", " ) ").Replace(s))
	p := &exprParser{toks: toks}
	return p.expr(0) && p.pos == len(toks)
}

// exprParser is a recursive-descent parser over license expression tokens.
type exprParser struct {
	toks []string
	pos  int
}

func (p *exprParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

// expr parses term { (AND|OR) term }.
func (p *exprParser) expr(depth int) bool {
	if depth > 32 || !p.term(depth) {
		return false
	}
	for p.peek() == "AND" || p.peek() == "OR" {
		p.pos++
		if !p.term(depth) {
			return false
		}
	}
	return true
}

// term parses '(' expr ')' or identifier [WITH identifier].
func (p *exprParser) term(depth int) bool {
	if p.peek() == "(" {
		p.pos++
		if !p.expr(depth+1) || p.peek() != ")" {
			return false
		}
		p.pos++
		return true
	}
	if !p.identifier() {
		return false
	}
	if p.peek() == "WITH" {
		p.pos++
		return p.identifier()
	}
	return true
}

// identifier consumes one license or exception identifier.
func (p *exprParser) identifier() bool {
	t := strings.TrimSuffix(p.peek(), "+")
	switch t {
	case "", "AND", "OR", "WITH", "(", ")":
		return false
	}
	for _, r := range t {
		if !(r < 128 && (isLabelChar(byte(r)) || r == '.' || r == ':')) {
			return false
		}
	}
	p.pos++
	return true
}

// readRepository reads <repository type url branch commit>. The URL may
// also be git:// or ssh://, which nuget.org accepts for repositories.
func readRepository(e *element) (*Repository, error) {
	if e == nil {
		return nil, nil
	}
	get := func(name string) string { v, _ := e.attr(name); return strings.TrimSpace(v) }
	r := &Repository{Type: get("type"), URL: get("url"), Branch: get("branch"), Commit: get("commit")}
	if *r == (Repository{}) {
		return nil, nil
	}
	if n := textLength(r.Type); n > MaxRepositoryTypeLength {
		return nil, invalidf("The nuspec's <repository type> has %d characters; the limit is %d.", n, MaxRepositoryTypeLength)
	}
	if r.URL != "" && (textLength(r.URL) > MaxURLLength || !isAbsoluteURL(r.URL, "http", "https", "git", "ssh")) {
		return nil, invalidf("The nuspec's <repository url> '%s' is not an absolute http(s), git or ssh URL.", display(r.URL))
	}
	return r, nil
}

// readPackageTypes reads <packageTypes><packageType name version/></packageTypes>.
func readPackageTypes(e *element) ([]PackageType, error) {
	if e == nil {
		return nil, nil
	}
	var out []PackageType
	for _, c := range e.childrenNamed("packageType") {
		name, _ := c.attr("name")
		version, _ := c.attr("version")
		t := PackageType{Name: strings.TrimSpace(name), Version: strings.TrimSpace(version)}
		if t.Name == "" {
			return nil, invalidf("A <packageType> in the nuspec has no name attribute, e.g. <packageType name=\"DotnetTool\" />.")
		}
		if err := checkID(t.Name, "package type name", "names", isUnicodeWord); err != nil {
			return nil, err
		}
		if t.Version != "" {
			if _, err := ParseVersion(t.Version); err != nil {
				return nil, invalidf("The nuspec's package type '%s' has an invalid version: %s", display(t.Name), err)
			}
		}
		out = append(out, t)
	}
	return out, nil
}

// readDependencies reads <dependencies> in either form (see Manifest).
func readDependencies(e *element) ([]DependencyGroup, error) {
	if e == nil {
		return nil, nil
	}
	groups := e.childrenNamed("group")
	if len(groups) == 0 {
		flat := e.childrenNamed("dependency")
		if len(flat) == 0 {
			return nil, nil
		}
		if err := checkDependencyCount(len(flat)); err != nil {
			return nil, err
		}
		g, err := readGroup("", flat)
		if err != nil {
			return nil, err
		}
		return []DependencyGroup{g}, nil
	}
	if len(groups) > MaxDependencyGroups {
		return nil, invalidf("The nuspec has %d dependency groups; the limit is %d target frameworks.", len(groups), MaxDependencyGroups)
	}
	total := 0
	for _, ge := range groups {
		total += len(ge.childrenNamed("dependency"))
	}
	if err := checkDependencyCount(total); err != nil {
		return nil, err
	}
	out := make([]DependencyGroup, 0, len(groups))
	for _, ge := range groups {
		tfm, _ := ge.attr("targetFramework")
		g, err := readGroup(strings.TrimSpace(tfm), ge.childrenNamed("dependency"))
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

// checkDependencyCount refuses more than MaxDependencies dependencies.
func checkDependencyCount(n int) error {
	if n > MaxDependencies {
		return invalidf("The nuspec lists %d dependencies; the limit is %d across all target frameworks. Split the package, or depend on fewer packages.", n, MaxDependencies)
	}
	return nil
}

// readGroup validates the dependencies of one target framework.
func readGroup(tfm string, deps []*element) (DependencyGroup, error) {
	g := DependencyGroup{TargetFramework: tfm}
	where := "for any framework"
	if tfm != "" {
		where = "for " + display(tfm)
	}
	seen := map[string]bool{}
	for _, d := range deps {
		id, _ := d.attr("id")
		raw, _ := d.attr("version")
		dep := Dependency{ID: strings.TrimSpace(id)}
		if dep.ID == "" {
			return g, invalidf("A dependency %s in the nuspec has no id attribute.", where)
		}
		if err := validateDependencyID(dep.ID); err != nil {
			return g, err
		}
		key := strings.ToLower(dep.ID)
		if seen[key] {
			return g, invalidf("The nuspec lists the dependency '%s' more than once %s; keep one.", display(dep.ID), where)
		}
		seen[key] = true
		if raw = strings.TrimSpace(raw); raw != "" {
			if n := textLength(raw); n > MaxDependencyRangeLength {
				return g, invalidf("The nuspec's dependency on '%s' has a version range of %d characters; the limit is %d.", display(dep.ID), n, MaxDependencyRangeLength)
			}
			r, err := ParseRange(raw)
			if err != nil {
				return g, invalidf("The nuspec's dependency on '%s' has an invalid version: %s", display(dep.ID), err)
			}
			if r.Min != nil && r.Min.Metadata != "" || r.Max != nil && r.Max.Metadata != "" {
				return g, invalidf("The nuspec's dependency on '%s' has build metadata ('+...') in its version range '%s'; remove it.", display(dep.ID), display(raw))
			}
			dep.Range = r.String()
		}
		g.Dependencies = append(g.Dependencies, dep)
	}
	return g, nil
}
