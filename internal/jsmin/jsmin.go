// Package jsmin makes the JavaScript that package wasm embeds smaller
// without changing what it means: it drops indentation, blank lines,
// lines that are only a // comment and a // comment after code that has
// no quote or slash before it (so that the // is not inside a string or a
// regular expression), and keeps every line break (so automatic
// semicolon insertion sees the same code). It is enough for
// wasm/shim.js, which has no template literals, block comments or
// multi-line strings; Minify refuses input that has any.
//
// The page downloads the embedded copy in every program that dials, so
// the readable shim.js is the source and shim.min.js the generated file
// (go generate ./wasm); TestShimUpToDate fails when they disagree.
package jsmin

import (
	"errors"
	"strings"
)

// Minify returns src without indentation, blank lines and // comments.
func Minify(src string) (string, error) {
	var b strings.Builder
	for line := range strings.Lines(src) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "//") {
			continue
		}
		if code, _, ok := strings.Cut(line, " //"); ok && !strings.ContainsAny(code, "\"'/") {
			line = strings.TrimSpace(code)
		}
		if strings.Contains(line, "`") || strings.Contains(line, "/*") {
			return "", errors.New("jsmin: template literals and block comments are not supported: " + line)
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String(), nil
}
