package trust

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// workflowsDir is where GitHub Actions looks for workflows. GitHub runs
// only the files directly in it, never those in its subfolders.
const workflowsDir = ".github/workflows/"

// NormalizeWorkflow turns what a user typed as a policy's workflow into the
// bare file name that Match compares with the token: "release.yml",
// ".github/workflows/release.yml", "./.github/workflows/release.yml" and a
// URL of the file or of its Actions page
// (https://github.com/contoso/sdk/blob/main/.github/workflows/release.yml,
// https://github.com/contoso/sdk/actions/workflows/release.yml) all give
// "release.yml". The case of the name is kept: Match compares it exactly.
//
// The error, for an empty value, a file outside .github/workflows, a name
// followed by @ref (a policy matches every ref; GitLab policies may pin a
// branch) or a name that does not end in .yml or .yaml, is a sentence fit
// to show the user.
func NormalizeWorkflow(s string) (string, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return "", errors.New("The GitHub Actions workflow file is required, e.g. release.yml.")
	}
	name := strings.ReplaceAll(in, `\`, "/")
	if strings.Contains(name, "://") {
		u, err := url.Parse(name)
		if err != nil || u.Host == "" {
			return "", fmt.Errorf("The workflow '%s' is not a URL of a workflow file: give the file name, e.g. release.yml.", in)
		}
		path, ok := "", false
		for _, dir := range []string{"/" + workflowsDir, "/actions/workflows/"} {
			if i := strings.Index(u.Path, dir); i >= 0 {
				path, ok = u.Path[i+len(dir):], true
				break
			}
		}
		if !ok {
			return "", fmt.Errorf("The workflow '%s' is not in .github/workflows: give the file name, e.g. release.yml.", in)
		}
		name = path
	} else {
		name = strings.TrimPrefix(name, "./")
		name = strings.TrimPrefix(name, "/")
		name = strings.TrimPrefix(name, workflowsDir)
	}
	if file, _, ok := strings.Cut(name, "@"); ok && isWorkflowFile(file) {
		return "", fmt.Errorf("The workflow '%s' names a ref: give the file name alone, e.g. %s.", in, file)
	}
	if strings.Contains(name, "/") {
		return "", fmt.Errorf("The workflow '%s' is not in .github/workflows: give the file name, e.g. release.yml.", in)
	}
	if !isWorkflowFile(name) {
		return "", fmt.Errorf("The workflow '%s' is not a workflow file: its name must end in .yml or .yaml.", in)
	}
	return name, nil
}

// NormalizeReusableWorkflow checks and tidies a policy's optional pin of a
// reusable workflow: "owner/repo/.github/workflows/file.yml", optionally
// followed by "@ref" where ref is written as job_workflow_ref names it
// (refs/tags/v2, refs/heads/main or a full commit SHA, which is lowercased).
// Without a ref any ref of that file matches; with one, only that ref.
// Short refs such as "@v2" are refused rather than guessed: "v2" could be a
// tag or a branch, and the pin exists to rule out the one not meant.
// An empty value gives "" and no error. The error is a sentence fit to show
// the user.
func NormalizeReusableWorkflow(s string) (string, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return "", nil
	}
	w, ok := parseWorkflowRef(in, false)
	if !ok || !isWorkflowFile(w.File) {
		return "", fmt.Errorf("The reusable workflow '%s' is not a workflow: write it as owner/repository/.github/workflows/file.yml, optionally followed by @ref.", in)
	}
	if w.Ref != "" {
		switch {
		case isCommitSHA(w.Ref):
			w.Ref = strings.ToLower(w.Ref)
		case !strings.HasPrefix(w.Ref, "refs/") || strings.HasSuffix(w.Ref, "/"):
			return "", fmt.Errorf("The reusable workflow '%s' names the ref '%s': write the full ref as the token names it, e.g. refs/tags/v2, refs/heads/main or a commit SHA.", in, w.Ref)
		}
	}
	return w.String(), nil
}

// workflowRef is a parsed workflow reference, the value of the workflow_ref
// and job_workflow_ref claims: Repo/.github/workflows/File@Ref.
type workflowRef struct {
	Repo string // owner/repository, as written
	File string // file name in .github/workflows
	Ref  string // git ref or commit SHA; "" when none was given
}

// Path is the reference without its ref.
func (w workflowRef) Path() string { return w.Repo + "/" + workflowsDir + w.File }

// String is the reference with its ref, if any.
func (w workflowRef) String() string {
	if w.Ref == "" {
		return w.Path()
	}
	return w.Path() + "@" + w.Ref
}

// parseWorkflowRef parses owner/repo/.github/workflows/file@ref. needRef
// says whether the @ref part is required (claims always have one; a
// policy's pin may omit it).
//
// A file name may contain "@" and a ref may too, so the split is chosen
// with care: a file name never contains "/", so the first "@refs/" not
// preceded by a "/" ends the file; otherwise (a commit SHA or another ref
// without that prefix) the last "@" does, since SHAs contain no "@".
func parseWorkflowRef(s string, needRef bool) (workflowRef, bool) {
	owner, rest, ok := strings.Cut(s, "/")
	if !ok || owner == "" || strings.Contains(owner, "@") {
		return workflowRef{}, false
	}
	repo, rest, ok := strings.Cut(rest, "/")
	if !ok || repo == "" || strings.Contains(repo, "@") {
		return workflowRef{}, false
	}
	rest, ok = strings.CutPrefix(rest, workflowsDir)
	if !ok {
		return workflowRef{}, false
	}
	w := workflowRef{Repo: owner + "/" + repo, File: rest}
	if i := strings.Index(rest, "@refs/"); i >= 0 && !strings.Contains(rest[:i], "/") {
		w.File, w.Ref = rest[:i], rest[i+1:]
	} else if i := strings.LastIndex(rest, "@"); i >= 0 {
		w.File, w.Ref = rest[:i], rest[i+1:]
		if w.Ref == "" {
			return workflowRef{}, false
		}
	}
	if w.File == "" || strings.Contains(w.File, "/") || (needRef && w.Ref == "") {
		return workflowRef{}, false
	}
	return w, true
}

// isWorkflowFile reports whether name can be a workflow file: a non-empty
// base name ending in .yml or .yaml (the extension in any case; GitHub
// documents only the lower-case form, and refusing the others would only
// lock out a file GitHub might still run).
func isWorkflowFile(name string) bool {
	lower := strings.ToLower(name)
	for _, ext := range []string{".yml", ".yaml"} {
		if strings.HasSuffix(lower, ext) && len(name) > len(ext) {
			return true
		}
	}
	return false
}

// isCommitSHA reports whether s is a full SHA-1 or SHA-256 commit ID.
func isCommitSHA(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return true
}
