package web

import (
	"net/url"
	"strings"

	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust"
	"github.com/wharf-registry/wharf/templates"
)

// provenanceView describes where a version was built, linking to the CI
// system's pages only for issuers whose web addresses Wharf knows the shape
// of: GitHub Actions on github.com and GitHub Enterprise Server, GitLab
// (where the issuer is the instance's URL) and Forgejo (the issuer is the
// instance's URL + /api/actions; repository and commit only), all over
// https. Every claim it
// links comes from a verified token, but each is still checked for its
// expected form before it goes into a URL.
func provenanceView(p *registry.Provenance, jsonURL string) *templates.ProvenanceView {
	v := &templates.ProvenanceView{
		CI: p.Provider, Ref: p.Ref, Environment: p.Environment, Event: p.Event, JSONURL: jsonURL,
		Repository: templates.Link{Text: p.Repository},
		Commit:     templates.Link{Text: p.Commit},
		Run:        templates.Link{Text: p.RunID},
	}
	web, repo := ciWebBase(p), projectPath(p.Repository)
	base := ""
	if web != "" && repo != "" {
		base = web + "/" + repo
		v.Repository.URL = base
	}
	switch trust.Provider(p.Provider) {
	case trust.GitHub:
		v.CI = "GitHub Actions"
		if p.RunAttempt != "" && p.RunAttempt != "1" {
			v.Run.Text += " (attempt " + p.RunAttempt + ")"
		}
		file := strings.TrimPrefix(refPath(p.WorkflowRef), p.Repository+"/")
		v.Workflow = templates.Link{Text: joinNonEmpty(p.Workflow, file)}
		if base == "" {
			break
		}
		if isHex(p.Commit) {
			v.Commit.URL = base + "/commit/" + p.Commit
			if file != "" && file != refPath(p.WorkflowRef) {
				v.Workflow.URL = base + "/blob/" + p.Commit + "/" + escapePath(file)
			}
		}
		if isDigits(p.RunID) {
			v.Run.URL = base + "/actions/runs/" + p.RunID
			if isDigits(p.RunAttempt) {
				v.Run.URL += "/attempts/" + p.RunAttempt
			}
		}
		if p.JobWorkflowRef != "" && p.JobWorkflowRef != p.WorkflowRef {
			v.Reusable = templates.Link{Text: p.JobWorkflowRef, URL: githubBlobURL(web, p.JobWorkflowRef)}
		}
	case trust.Forgejo:
		v.CI = "Forgejo Actions"
		v.Workflow = templates.Link{Text: joinNonEmpty(p.Workflow, strings.TrimPrefix(refPath(p.WorkflowRef), p.Repository+"/"))}
		if base != "" && isHex(p.Commit) {
			v.Commit.URL = base + "/commit/" + p.Commit
		}
	case trust.Azure:
		v.CI = "Azure Pipelines"
	case trust.GitLab:
		v.CI = "GitLab CI/CD"
		project, file, ref := splitConfigRef(p.CIConfigRefURI)
		v.Workflow = templates.Link{Text: file}
		if base == "" {
			break
		}
		if isHex(p.Commit) {
			v.Commit.URL = base + "/-/commit/" + p.Commit
		}
		if isDigits(p.RunID) {
			v.Run.URL = base + "/-/pipelines/" + p.RunID
		}
		if file != "" && projectPath(project) != "" {
			at := shortRef(ref)
			if project == p.Repository && isHex(p.Commit) {
				at = p.Commit
			}
			if at != "" {
				v.Workflow.URL = web + "/" + projectPath(project) + "/-/blob/" + url.PathEscape(at) + "/" + escapePath(file)
			}
		}
	}
	// Claims are not checked like typed fields: a newline or a
	// text-direction override in one shows as an escape.
	for _, t := range []*string{&v.CI, &v.Ref, &v.Environment, &v.Event, &v.Repository.Text, &v.Workflow.Text, &v.Reusable.Text, &v.Commit.Text, &v.Run.Text} {
		*t = registry.EscapeText(*t)
	}
	return v
}

// ciWebBase returns the web address of the CI system that issued the
// token, or "" when its shape is not known.
func ciWebBase(p *registry.Provenance) string {
	u, err := url.Parse(p.Issuer)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return ""
	}
	switch trust.Provider(p.Provider) {
	case trust.GitHub:
		if p.Issuer == trust.GitHubActionsIssuer {
			return "https://github.com"
		}
		if u.Path == "/_services/token" { // GitHub Enterprise Server
			return "https://" + u.Host
		}
	case trust.GitLab:
		return strings.TrimRight(p.Issuer, "/")
	case trust.Forgejo: // https://HOST/api/actions
		if u.Path == "/api/actions" {
			return "https://" + u.Host
		}
	}
	return ""
}

// projectPath escapes an owner/repo or namespace/…/project path for a
// URL, or returns "" when it is not one.
func projectPath(p string) string {
	parts := strings.Split(p, "/")
	if len(parts) < 2 {
		return ""
	}
	for _, s := range parts {
		if s == "" || s == "." || s == ".." {
			return ""
		}
	}
	return escapePath(p)
}

// escapePath escapes each segment of a slash-separated path.
func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

// refPath returns the path of a workflow reference, owner/repo/path@ref.
func refPath(ref string) string {
	p, _, _ := strings.Cut(ref, "@")
	return p
}

// githubBlobURL links a reusable workflow's owner/repo/path@ref.
func githubBlobURL(web, ref string) string {
	p, at, ok := strings.Cut(ref, "@")
	parts := strings.SplitN(p, "/", 3)
	if !ok || len(parts) < 3 || projectPath(parts[0]+"/"+parts[1]) == "" || shortRef(at) == "" {
		return ""
	}
	return web + "/" + projectPath(parts[0]+"/"+parts[1]) + "/blob/" + url.PathEscape(shortRef(at)) + "/" + escapePath(parts[2])
}

// splitConfigRef splits GitLab's ci_config_ref_uri,
// host/namespace/project//path/to/.gitlab-ci.yml@refs/heads/main.
func splitConfigRef(s string) (project, file, ref string) {
	s, ref, _ = strings.Cut(s, "@")
	where, file, ok := strings.Cut(s, "//")
	if !ok {
		return "", "", ""
	}
	_, project, _ = strings.Cut(where, "/") // drop the host
	return project, file, ref
}

// shortRef turns refs/heads/x and refs/tags/x into x.
func shortRef(ref string) string {
	for _, p := range []string{"refs/heads/", "refs/tags/"} {
		if strings.HasPrefix(ref, p) {
			return ref[len(p):]
		}
	}
	return ref
}

func joinNonEmpty(name, file string) string {
	switch {
	case name == "":
		return file
	case file == "":
		return name
	}
	return name + " (" + file + ")"
}

func isHex(s string) bool {
	if len(s) < 7 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'f') {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
