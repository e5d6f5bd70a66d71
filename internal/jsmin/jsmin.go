// Package jsmin makes the JavaScript that package wasm embeds smaller
// without changing what it means: it drops indentation, blank lines, lines
// that are only a // comment and the // comment that ends a line, and
// keeps every line break (so automatic semicolon insertion sees the same
// code). It is enough for wasm/shim.js, which has no template literals,
// block comments or multi-line strings; Minify refuses input that has
// any, and lines where it cannot tell where a string ends (a quote in a
// regular expression literal, say).
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
		if strings.Contains(line, "`") || strings.Contains(line, "/*") {
			return "", errors.New("jsmin: template literals and block comments are not supported: " + line)
		}
		code, err := cutComment(line)
		if err != nil {
			return "", err
		}
		b.WriteString(code)
		b.WriteByte('\n')
	}
	return b.String(), nil
}

// cutComment returns line without the // comment that ends it: one that
// follows a space or a tab, outside '...' and "..." strings. A line whose
// quotes do not pair up (a quote in a regular expression literal, say)
// is an error: its strings cannot be told from its code.
func cutComment(line string) (string, error) {
	var quote byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0 && c == '\\':
			i++ // the escaped character
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '/' && i > 0 && (line[i-1] == ' ' || line[i-1] == '\t') && strings.HasPrefix(line[i:], "//"):
			return strings.TrimRight(line[:i], " \t"), nil
		}
	}
	if quote != 0 {
		return "", errors.New("jsmin: a string does not end on its line: " + line)
	}
	return line, nil
}
