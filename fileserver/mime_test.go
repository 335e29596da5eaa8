package fileserver

import "testing"

func TestContentType(t *testing.T) {
	tests := []struct{ name, want string }{
		{"index.html", "text/html; charset=utf-8"},
		{"INDEX.HTM", "text/html; charset=utf-8"},
		{"a/b.Css", "text/css; charset=utf-8"},
		{"app.js", "text/javascript; charset=utf-8"},
		{"app.mjs", "text/javascript; charset=utf-8"},
		{"app.js.map", "application/json"},
		{"data.json", "application/json"},
		{"site.webmanifest", "application/manifest+json"},
		{"logo.svg", "image/svg+xml"},
		{"a.png", "image/png"},
		{"a.JPG", "image/jpeg"},
		{"a.jpeg", "image/jpeg"},
		{"a.webp", "image/webp"},
		{"a.avif", "image/avif"},
		{"favicon.ico", "image/x-icon"},
		{"robots.txt", "text/plain; charset=utf-8"},
		{"README.md", "text/markdown; charset=utf-8"},
		{"f.woff2", "font/woff2"},
		{"m.wasm", "application/wasm"},
		{"v.mp4", "video/mp4"},
		{"a.tar.gz", "application/gzip"},
		{"noext", defaultType},
		{"dir.d/noext", defaultType},
		{"trailingdot.", defaultType},
		{"x.unknown-extension-zzz", defaultType},
		{".env", defaultType},
	}
	for _, tt := range tests {
		if got := contentType(tt.name); got != tt.want {
			t.Errorf("contentType(%q) = %q; want %q", tt.name, got, tt.want)
		}
	}
}

func TestWebTypesAreLowerCase(t *testing.T) {
	for ext := range webTypes {
		if l, changed := asciiLower(ext); changed || ext[0] != '.' {
			t.Errorf("webTypes key %q: want a lower-case extension with its dot (%q)", ext, l)
		}
	}
}
