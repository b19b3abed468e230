// Package deploy writes configuration for the servers Wharf is deployed
// behind. Nginx renders the nginx configuration that 'wharf deploy nginx'
// prints: the static copy of the restore path (web/static.go) served from
// disk, everything else proxied to Wharf.
package deploy

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"text/template"
)

// Nginx describes one installation.
type Nginx struct {
	// BaseURL is Wharf's public base URL: nginx answers for its host, on
	// its port (80 or 443 by default).
	BaseURL string
	// Wharf is the address Wharf listens on (host:port).
	Wharf string
	// StaticRoot is the folder holding the static copy (the package
	// folder's static/); empty when there is none (S3 storage, a private
	// registry, static_copy off): nginx then proxies everything.
	StaticRoot string
	// Listen overrides where nginx listens (a port or address:port).
	Listen string
	// MaxBody is the largest request body (a push): max_package_size and
	// room for the multipart framing.
	MaxBody int64
	// Full makes a whole nginx.conf (events, http, pid, logs, temp
	// folders under Prefix) instead of a server block for conf.d.
	Full bool
	// Prefix is where a Full configuration puts the pid file, logs and
	// temporary files.
	Prefix string
	// User is the user a Full configuration's workers run as ("" leaves
	// nginx's default).
	User string
	// Workers is a Full configuration's worker_processes ("auto" if 0).
	Workers int
}

// Config returns the configuration. Errors: an unusable base URL or
// Wharf address.
func (n Nginx) Config() (string, error) {
	u, err := url.Parse(n.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("the base URL %q is not an absolute http(s) URL", n.BaseURL)
	}
	if u.Path != "" && u.Path != "/" {
		return "", fmt.Errorf("the base URL %q has a path: the generated configuration serves Wharf at the root of its host", n.BaseURL)
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	listen := port
	if n.Listen != "" {
		listen = n.Listen
	}
	wharf := n.Wharf
	if h, p, err := net.SplitHostPort(wharf); err != nil || p == "" {
		return "", fmt.Errorf("the Wharf address %q is not host:port", n.Wharf)
	} else if h == "" || h == "0.0.0.0" || h == "::" {
		wharf = net.JoinHostPort("127.0.0.1", p)
	}
	workers := "auto"
	if n.Workers > 0 {
		workers = fmt.Sprint(n.Workers)
	}
	var b strings.Builder
	err = nginxTemplate.Execute(&b, map[string]any{
		"N": n, "Host": host, "Listen": listen, "TLS": u.Scheme == "https", "Wharf": wharf,
		"Root": strings.TrimRight(n.StaticRoot, "/"), "Workers": workers,
		"MaxBody": max(n.MaxBody, 1<<20),
	})
	return b.String(), err
}

var nginxTemplate = template.Must(template.New("nginx").Parse(`# nginx in front of Wharf at {{.N.BaseURL}}, made by 'wharf deploy nginx'.
{{- if .Root}}
# The restore path of public feeds is served from Wharf's static copy in
# {{.Root}}; whatever it does not hold (private feeds, upstream
# mirrors, search, push, the web UI) goes to Wharf. See docs/deployment.md.
{{- else}}
# There is no static copy to serve (S3 storage, a private registry or
# static_copy = false): every request goes to Wharf.
{{- end}}
# Set trusted_proxies = "127.0.0.1/32" in Wharf's configuration, so that it
# believes the X-Forwarded-For nginx sends.
{{if .N.Full}}{{with .N.User}}user {{.}};
{{end}}worker_processes {{.Workers}};
pid {{.N.Prefix}}/nginx.pid;
error_log {{.N.Prefix}}/error.log warn;
events { worker_connections 4096; }
http {
include /etc/nginx/mime.types;
access_log off;
client_body_temp_path {{.N.Prefix}}/tmp/body;
proxy_temp_path {{.N.Prefix}}/tmp/proxy;
fastcgi_temp_path {{.N.Prefix}}/tmp/fastcgi;
uwsgi_temp_path {{.N.Prefix}}/tmp/uwsgi;
scgi_temp_path {{.N.Prefix}}/tmp/scgi;
{{end}}
upstream wharf {
    server {{.Wharf}};
    keepalive 64;
}

server {
    listen {{.Listen}}{{if .TLS}} ssl{{end}};
    server_name {{.Host}};
{{- if .TLS}}
    # Fill in the certificate of {{.Host}}.
    ssl_certificate     /etc/nginx/tls/{{.Host}}.crt;
    ssl_certificate_key /etc/nginx/tls/{{.Host}}.key;
{{- end}}

    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 100000;
    server_tokens off;
    client_max_body_size {{.MaxBody}};

    # Everything dynamic: pushes stream to Wharf unbuffered.
    location / {
        proxy_pass http://wharf;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_request_buffering off;
        proxy_read_timeout 30m;
        proxy_send_timeout 30m;
    }
{{- if .Root}}

    location @wharf {
        proxy_pass http://wharf;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
    }

    # The static copy. Documents change with every push, unlist and relist
    # and are replaced by rename: they are opened afresh on every request
    # (no open_file_cache), so a push answered 201 is seen at once.
    # Package files never change and keep their descriptors cached.
    location ~ ^(/feeds/[a-z0-9][a-z0-9._-]*)?/v3/index\.json$ {
        root {{.Root}};
        default_type application/json;
        charset utf-8;
        charset_types application/json;
        gzip_static on;
        gzip_vary on;
        add_header Cache-Control "public, max-age=300";
        try_files $uri @wharf;
    }
    location ~ ^(/feeds/[a-z0-9][a-z0-9._-]*)?/v3/(package|registration)/[^/]+/.+\.json$ {
        root {{.Root}};
        default_type application/json;
        charset utf-8;
        charset_types application/json;
        gzip_static on;
        gzip_vary on;
        add_header Cache-Control "public, max-age=60";
        try_files $uri @wharf;
    }
    location ~ ^(/feeds/[a-z0-9][a-z0-9._-]*)?/v3/package/[^/]+/[^/]+/[^/]+\.(nupkg|nuspec)$ {
        root {{.Root}};
        types { application/octet-stream nupkg; text/xml nuspec; }
        charset utf-8;
        charset_types text/xml;
        open_file_cache max=20000 inactive=60s;
        open_file_cache_valid 10s;
        open_file_cache_min_uses 1;
        add_header Cache-Control "public, max-age=31536000, immutable";
        try_files $uri @wharf;
    }
{{- end}}
}
{{if .N.Full}}}
{{end}}`))
