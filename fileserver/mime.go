package fileserver

import (
	"mime"
	"path"
)

// webTypes maps lower-case file extensions to the media types browsers
// expect. It is consulted before mime.TypeByExtension, whose answers
// depend on the host's mime.types files (some map .js to
// application/x-javascript, or lack .wasm and .webmanifest), so that
// a site is served the same way on every host. Textual types carry
// charset=utf-8; JSON does not take a charset parameter (RFC 8259
// 11).
var webTypes = map[string]string{
	// Documents and code.
	".html":        "text/html; charset=utf-8",
	".htm":         "text/html; charset=utf-8",
	".xhtml":       "application/xhtml+xml",
	".css":         "text/css; charset=utf-8",
	".js":          "text/javascript; charset=utf-8", // RFC 9239
	".mjs":         "text/javascript; charset=utf-8",
	".json":        "application/json",
	".map":         "application/json", // source maps
	".jsonld":      "application/ld+json",
	".webmanifest": "application/manifest+json",
	".wasm":        "application/wasm",
	".xml":         "application/xml", // RFC 7303 prefers it to text/xml
	".rss":         "application/rss+xml",
	".atom":        "application/atom+xml",
	".txt":         "text/plain; charset=utf-8",
	".md":          "text/markdown; charset=utf-8", // RFC 7763
	".csv":         "text/csv; charset=utf-8",
	".vtt":         "text/vtt; charset=utf-8",
	".ics":         "text/calendar; charset=utf-8",
	".pdf":         "application/pdf",
	".epub":        "application/epub+zip",

	// Images.
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".apng": "image/apng",
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".gif":  "image/gif",
	".webp": "image/webp",
	".avif": "image/avif",
	".jxl":  "image/jxl",
	".bmp":  "image/bmp",
	".tif":  "image/tiff",
	".tiff": "image/tiff",
	".ico":  "image/x-icon", // what browsers and servers use; IANA has image/vnd.microsoft.icon

	// Fonts (RFC 8081).
	".woff":  "font/woff",
	".woff2": "font/woff2",
	".ttf":   "font/ttf",
	".otf":   "font/otf",

	// Audio and video.
	".mp4":  "video/mp4",
	".m4v":  "video/mp4",
	".webm": "video/webm",
	".ogv":  "video/ogg",
	".mp3":  "audio/mpeg",
	".m4a":  "audio/mp4",
	".ogg":  "audio/ogg",
	".oga":  "audio/ogg",
	".opus": "audio/ogg",
	".weba": "audio/webm",
	".wav":  "audio/wav",
	".flac": "audio/flac",
	".aac":  "audio/aac",

	// Archives: served as themselves, never with a Content-Encoding.
	".zip": "application/zip",
	".gz":  "application/gzip",
	".tgz": "application/gzip",
	".tar": "application/x-tar",
	".bz2": "application/x-bzip2",
	".xz":  "application/x-xz",
	".zst": "application/zstd",
	".7z":  "application/x-7z-compressed",
}

// defaultType is the media type of files whose extension is unknown
// (RFC 9110 8.3: arbitrary data).
const defaultType = "application/octet-stream"

// contentType returns the media type for a file name from its
// extension: webTypes first (matched case-insensitively), then
// mime.TypeByExtension, then application/octet-stream.
func contentType(name string) string {
	ext := path.Ext(name)
	if ext == "" {
		return defaultType
	}
	if t, ok := webTypes[ext]; ok {
		return t
	}
	if lower, ok := asciiLower(ext); ok {
		if t, ok := webTypes[lower]; ok {
			return t
		}
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return defaultType
}

// asciiLower returns s with ASCII letters lowered, and whether it
// changed anything (so that the common all-lower case costs no
// allocation).
func asciiLower(s string) (string, bool) {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b), true
		}
	}
	return s, false
}
