package s3_test

import (
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/storage/s3"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want s3.Config
	}{
		{"bucket only", "s3://packages", s3.Config{Bucket: "packages"}},
		{"every parameter", "s3://packages/wharf/prod?endpoint=https://minio.example.com:9000&region=eu-west-1&path_style=true&presign=5m",
			s3.Config{Bucket: "packages", Prefix: "wharf/prod", Endpoint: "https://minio.example.com:9000", Region: "eu-west-1", PathStyle: true, PresignDownloads: 5 * time.Minute}},
		{"trailing slash", "s3://packages/wharf/", s3.Config{Bucket: "packages", Prefix: "wharf"}},
		{"plain http", "s3://my-bucket?endpoint=http://127.0.0.1:7070&path_style=1", s3.Config{Bucket: "my-bucket", Endpoint: "http://127.0.0.1:7070", PathStyle: true}},
		{"path style off", "s3://bucket.with.dots?path_style=false", s3.Config{Bucket: "bucket.with.dots"}},
		{"presign off", "s3://packages?presign=0", s3.Config{Bucket: "packages"}},
		{"R2 region", "s3://packages?region=auto&endpoint=https://acct.r2.cloudflarestorage.com", s3.Config{Bucket: "packages", Region: "auto", Endpoint: "https://acct.r2.cloudflarestorage.com"}},
		{"longest presign", "s3://packages?presign=168h", s3.Config{Bucket: "packages", PresignDownloads: 168 * time.Hour}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s3.ParseURL(tt.raw)
			if err != nil {
				t.Fatalf("ParseURL(%q): %v", tt.raw, err)
			}
			if got != tt.want {
				t.Errorf("ParseURL(%q) =\n%+v\nwant\n%+v", tt.raw, got, tt.want)
			}
		})
	}
}

// TestParseURLErrors checks that a bad URL gets a sentence saying what is
// wrong, and never echoes a secret.
func TestParseURLErrors(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		says []string // parts of the error message
	}{
		{"no scheme", "packages", []string{`scheme is ""`, "s3://BUCKET"}},
		{"wrong scheme", "https://packages", []string{`scheme is "https"`, "s3://BUCKET"}},
		{"no bucket", "s3://", []string{"no bucket"}},
		{"no bucket with prefix", "s3:///wharf", []string{"no bucket"}},
		{"one slash", "s3:packages", []string{"two slashes"}},
		{"short bucket", "s3://ab", []string{`bucket "ab" is not a valid bucket name`}},
		{"bad bucket", "s3://-packages", []string{`bucket "-packages" is not a valid bucket name`}},
		{"port on bucket", "s3://localhost:9000/packages", []string{"has a port", "endpoint parameter"}},
		{"credentials", "s3://AKIA:hunter2@packages", []string{"credentials do not belong in the URL", "WHARF_S3_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}},
		{"bad prefix", "s3://packages/a//b", []string{"prefix is not usable", "segment 2 is empty"}},
		{"bad prefix char", "s3://packages/a%20b", []string{"prefix is not usable", "' '"}},
		{"unknown parameter", "s3://packages?pathstyle=true", []string{`unknown parameter "pathstyle"`, "endpoint, region, path_style and presign"}},
		{"twice", "s3://packages?region=a&region=b", []string{"region is given 2 times"}},
		{"bad path_style", "s3://packages?path_style=yes", []string{`path_style="yes"`, "true or false"}},
		{"bad presign", "s3://packages?presign=5", []string{`presign="5"`, "5m or 1h"}},
		{"negative presign", "s3://packages?presign=-5m", []string{"above 0 and at most 168h"}},
		{"long presign", "s3://packages?presign=169h", []string{"above 0 and at most 168h"}},
		{"endpoint without scheme", "s3://packages?endpoint=minio:9000", []string{`endpoint "minio:9000"`, "https://host:port"}},
		{"endpoint ftp", "s3://packages?endpoint=ftp://minio", []string{`endpoint "ftp://minio"`}},
		{"endpoint with path", "s3://packages?endpoint=https://minio:9000/packages", []string{"only scheme, host and port", "https://minio:9000"}},
		{"fragment", "s3://packages#x", []string{"fragment"}},
		{"unparsable", "s3://pack ages\x7f", []string{"cannot be parsed", "s3://BUCKET"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s3.ParseURL(tt.raw)
			if err == nil {
				t.Fatalf("ParseURL(%q) = nil error; want one saying %q", tt.raw, tt.says)
			}
			for _, part := range tt.says {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("ParseURL(%q) = %q; want it to say %q", tt.raw, err, part)
				}
			}
			if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "AKIA") {
				t.Errorf("ParseURL(%q) = %q; the error shows the secret", tt.raw, err)
			}
		})
	}
}

func TestCredentialsFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    [3]string // access key ID, secret, session token
		wantErr string
	}{
		{"none", nil, [3]string{"keep-id", "keep-secret", ""}, ""},
		{"wharf pair", map[string]string{"WHARF_S3_ACCESS_KEY_ID": "w", "WHARF_S3_SECRET_ACCESS_KEY": "ws"}, [3]string{"w", "ws", ""}, ""},
		{"aws pair with token", map[string]string{"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "as", "AWS_SESSION_TOKEN": "at"}, [3]string{"a", "as", "at"}, ""},
		{"wharf wins", map[string]string{
			"WHARF_S3_ACCESS_KEY_ID": "w", "WHARF_S3_SECRET_ACCESS_KEY": "ws",
			"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "as", "AWS_SESSION_TOKEN": "at",
		}, [3]string{"w", "ws", ""}, ""},
		{"wharf half", map[string]string{"WHARF_S3_ACCESS_KEY_ID": "w", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "as"},
			[3]string{}, "WHARF_S3_ACCESS_KEY_ID is set but WHARF_S3_SECRET_ACCESS_KEY is not"},
		{"aws half", map[string]string{"AWS_SECRET_ACCESS_KEY": "as"}, [3]string{}, "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := s3.Config{AccessKeyID: "keep-id", SecretAccessKey: "keep-secret"}
			err := cfg.CredentialsFromEnv(func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("CredentialsFromEnv = %v; want an error saying %q", err, tt.wantErr)
				}
				return
			}
			got := [3]string{cfg.AccessKeyID, cfg.SecretAccessKey, cfg.SessionToken}
			if err != nil || got != tt.want {
				t.Errorf("CredentialsFromEnv = %v, credentials %q; want %q", err, got, tt.want)
			}
		})
	}
}
