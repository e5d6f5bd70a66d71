// Package jsmin makes the JavaScript that package wasm embeds smaller
// without changing what it means: it drops indentation, blank lines and
// lines that are only a // comment, and keeps every line break (so
// automatic semicolon insertion sees the same code). It is enough for
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

// Minify returns src without indentation, blank lines and // comment
// lines.
func Minify(src string) (string, error) {
	var b strings.Builder
	for line := range strings.Lines(src) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "//") {
			continue
		}
		if strings.Contains(line, "`") || strings.Contains(line, "/*") {
			return "", errors.New("jsmin: template literals and block comments are not supported: " + line)
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String(), nil
}
