package compress

import "strings"

// Compressible reports whether a response with this Content-Type is
// worth compressing. Parameters ("; charset=utf-8") are ignored, and
// the type compares case-insensitively (RFC 9110 8.3.1).
//
// It is true for text (text/*, except text/event-stream, whose events
// must reach the client as they are written), for the structured text
// of the web (JavaScript, JSON and XML, including every
// application/*+json and application/*+xml type, YAML, TOML, HLS
// playlists, WebAssembly, the web app manifest, ND-JSON, SVG) and for
// the uncompressed binary formats that shrink well (TrueType and
// OpenType fonts, the EOT font format, icons and BMP images).
//
// It is false for everything else, in particular for the formats that
// are compressed already, where a second coding costs CPU and saves
// nothing: images (PNG, JPEG, GIF, WebP, AVIF), audio, video, archives
// (zip, gzip, zstd, xz, ...), WOFF and WOFF2 fonts, PDF; for
// application/octet-stream, whose content is unknown; and for an empty
// or malformed Content-Type.
//
// Compressible allocates nothing. It is safe for concurrent use.
func Compressible(contentType string) bool {
	mt := contentType
	if i := strings.IndexByte(mt, ';'); i >= 0 {
		mt = mt[:i]
	}
	mt = trimOWS(mt)
	slash := strings.IndexByte(mt, '/')
	if slash <= 0 || slash == len(mt)-1 {
		return false
	}
	typ, sub := mt[:slash], mt[slash+1:]
	switch {
	case equalFold(typ, "text"):
		return !equalFold(sub, "event-stream")
	case equalFold(typ, "application"):
		if hasSuffixFold(sub, "+json") || hasSuffixFold(sub, "+xml") {
			return true
		}
		return inFold(sub, applicationTypes[:])
	case equalFold(typ, "image"):
		return inFold(sub, imageTypes[:])
	case equalFold(typ, "font"):
		return inFold(sub, fontTypes[:])
	}
	return false
}

// Compressible application/ subtypes, besides every "+json" and "+xml"
// one (manifest+json, ld+json, xhtml+xml, rss+xml, atom+xml, ...).
var applicationTypes = [...]string{
	"javascript", "x-javascript", "ecmascript",
	"json", "x-ndjson", "ndjson", "jsonl", "x-jsonlines",
	"xml", "xml-dtd",
	"wasm",
	"yaml", "x-yaml", "toml",
	"graphql",
	"x-www-form-urlencoded",
	"rtf", "postscript",
	"vnd.apple.mpegurl", "x-mpegurl", // HLS playlists (text)
	"vnd.ms-fontobject", // EOT
	"x-font-ttf", "x-font-truetype", "x-font-otf", "x-font-opentype",
	"x-sh", "x-csh", "x-perl", "x-python",
}

// Compressible image/ subtypes: the vector and uncompressed formats.
var imageTypes = [...]string{"svg+xml", "x-icon", "vnd.microsoft.icon", "bmp", "x-ms-bmp"}

// Compressible font/ subtypes: sfnt outlines (WOFF and WOFF2 are
// compressed already).
var fontTypes = [...]string{"ttf", "otf", "sfnt", "collection"}

func inFold(s string, list []string) bool {
	for _, t := range list {
		if equalFold(s, t) {
			return true
		}
	}
	return false
}

func hasSuffixFold(s, suffix string) bool {
	return len(s) > len(suffix) && equalFold(s[len(s)-len(suffix):], suffix)
}
