package trust

import "testing"

func TestNormalizeWorkflow(t *testing.T) {
	const (
		outside = " is not in .github/workflows: give the file name, e.g. release.yml."
		notYAML = " is not a workflow file: its name must end in .yml or .yaml."
	)
	tests := []struct {
		in, want, err string
	}{
		{in: "release.yml", want: "release.yml"},
		{in: "  release.yaml\t", want: "release.yaml"},
		{in: "Release.YML", want: "Release.YML"},
		{in: ".github/workflows/release.yml", want: "release.yml"},
		{in: "./.github/workflows/release.yml", want: "release.yml"},
		{in: "/.github/workflows/release.yml", want: "release.yml"},
		{in: `.github\workflows\release.yml`, want: "release.yml"},
		{in: "https://github.com/contoso/sdk/blob/main/.github/workflows/release.yml", want: "release.yml"},
		{in: "https://github.com/contoso/sdk/blob/feature/x/.github/workflows/release.yaml?plain=1#L3", want: "release.yaml"},
		{in: "https://github.com/contoso/sdk/actions/workflows/release.yml", want: "release.yml"},
		{in: "https://ghe.contoso.example/contoso/sdk/blob/main/.github/workflows/release.yml", want: "release.yml"},
		{in: "", err: "The GitHub Actions workflow file is required, e.g. release.yml."},
		{in: "   ", err: "The GitHub Actions workflow file is required, e.g. release.yml."},
		{in: "src/release.yml", err: "The workflow 'src/release.yml'" + outside},
		{in: ".github/release.yml", err: "The workflow '.github/release.yml'" + outside},
		{in: ".github/workflows/sub/release.yml", err: "The workflow '.github/workflows/sub/release.yml'" + outside},
		{in: "contoso/sdk/.github/workflows/release.yml", err: "The workflow 'contoso/sdk/.github/workflows/release.yml'" + outside},
		{in: "https://github.com/contoso/sdk", err: "The workflow 'https://github.com/contoso/sdk'" + outside},
		{in: "https:///.github/workflows/release.yml", err: "The workflow 'https:///.github/workflows/release.yml' is not a URL of a workflow file: give the file name, e.g. release.yml."},
		{in: "release", err: "The workflow 'release'" + notYAML},
		{in: "release.json", err: "The workflow 'release.json'" + notYAML},
		{in: ".yml", err: "The workflow '.yml'" + notYAML},
		{in: ".github/workflows/", err: "The workflow '.github/workflows/'" + notYAML},
		{in: "release.yml@refs/heads/main", err: "The workflow 'release.yml@refs/heads/main' names a ref: give the file name alone, e.g. release.yml."},
		{in: ".github/workflows/release.yml@main", err: "The workflow '.github/workflows/release.yml@main' names a ref: give the file name alone, e.g. release.yml."},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := NormalizeWorkflow(tc.in)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("NormalizeWorkflow(%q) = %q, %v; want error %q", tc.in, got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("NormalizeWorkflow(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestNormalizeReusableWorkflow(t *testing.T) {
	const (
		shared = "org/shared/.github/workflows/publish.yml"
		sha    = "8d4f1c2b9e7a6f3d5c1b0a9e8d7c6b5a4f3e2d1c"
	)
	notWorkflow := func(in string) string {
		return "The reusable workflow '" + in + "' is not a workflow: write it as owner/repository/.github/workflows/file.yml, optionally followed by @ref."
	}
	tests := []struct {
		in, want, err string
	}{
		{in: "", want: ""},
		{in: "  ", want: ""},
		{in: shared, want: shared},
		{in: " " + shared + "@refs/tags/v2 ", want: shared + "@refs/tags/v2"},
		{in: shared + "@refs/heads/release/2026", want: shared + "@refs/heads/release/2026"},
		{in: shared + "@8D4F1C2B9E7A6F3D5C1B0A9E8D7C6B5A4F3E2D1C", want: shared + "@" + sha},
		{in: shared + "@v2", err: "The reusable workflow '" + shared + "@v2' names the ref 'v2': write the full ref as the token names it, e.g. refs/tags/v2, refs/heads/main or a commit SHA."},
		{in: shared + "@", err: notWorkflow(shared + "@")},
		{in: "publish.yml", err: notWorkflow("publish.yml")},
		{in: "org/shared/publish.yml", err: notWorkflow("org/shared/publish.yml")},
		{in: "org/shared/.github/workflows/publish.txt", err: notWorkflow("org/shared/.github/workflows/publish.txt")},
		{in: "org/shared/.github/workflows/sub/publish.yml", err: notWorkflow("org/shared/.github/workflows/sub/publish.yml")},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := NormalizeReusableWorkflow(tc.in)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("NormalizeReusableWorkflow(%q) = %q, %v; want error %q", tc.in, got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("NormalizeReusableWorkflow(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

// TestParseWorkflowRef covers the split of a workflow_ref claim into its
// parts, including file names and refs that hold "@" or look like workflows.
func TestParseWorkflowRef(t *testing.T) {
	const sha = "8d4f1c2b9e7a6f3d5c1b0a9e8d7c6b5a4f3e2d1c"
	tests := []struct {
		in   string
		want workflowRef
		ok   bool
	}{
		{"contoso/sdk/.github/workflows/release.yml@refs/heads/main", workflowRef{"contoso/sdk", "release.yml", "refs/heads/main"}, true},
		{"contoso/sdk/.github/workflows/release.yaml@refs/tags/v1.0.0", workflowRef{"contoso/sdk", "release.yaml", "refs/tags/v1.0.0"}, true},
		{"contoso/sdk/.github/workflows/release.yml@" + sha, workflowRef{"contoso/sdk", "release.yml", sha}, true},
		{"contoso/sdk/.github/workflows/release.yml@refs/pull/12/merge", workflowRef{"contoso/sdk", "release.yml", "refs/pull/12/merge"}, true},
		{"contoso/sdk/.github/workflows/nested@evil.yml@refs/heads/main", workflowRef{"contoso/sdk", "nested@evil.yml", "refs/heads/main"}, true},
		{"contoso/sdk/.github/workflows/nested.yml@evil.yml@refs/heads/main", workflowRef{"contoso/sdk", "nested.yml@evil.yml", "refs/heads/main"}, true},
		{"contoso/sdk/.github/workflows/a@b.yml@" + sha, workflowRef{"contoso/sdk", "a@b.yml", sha}, true},
		{"contoso/sdk/.github/workflows/basic.yml@refs/heads/misleading@branch.yml", workflowRef{"contoso/sdk", "basic.yml", "refs/heads/misleading@branch.yml"}, true},
		{"contoso/sdk/.github/workflows/basic.yml@refs/heads/bad@refs/twomatches.yml", workflowRef{"contoso/sdk", "basic.yml", "refs/heads/bad@refs/twomatches.yml"}, true},
		{"contoso/sdk/.github/workflows/release.yml", workflowRef{}, false},
		{"contoso/sdk/.github/workflows/release.yml@", workflowRef{}, false},
		{"contoso/sdk/.github/workflows/@refs/heads/main", workflowRef{}, false},
		{"contoso/sdk/.github/workflows/sub/release.yml@refs/heads/main", workflowRef{}, false},
		{"contoso/sdk/workflows/release.yml@refs/heads/main", workflowRef{}, false},
		{"contoso/.github/workflows/release.yml@refs/heads/main", workflowRef{}, false},
		{"/sdk/.github/workflows/release.yml@refs/heads/main", workflowRef{}, false},
		{"", workflowRef{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := parseWorkflowRef(tc.in, true)
			if ok != tc.ok || got != tc.want {
				t.Errorf("parseWorkflowRef(%q) = %+v, %v; want %+v, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}
