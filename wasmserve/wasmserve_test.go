//go:build !js

package wasmserve_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/duplex-go/duplex/wasmserve"
)

var wasm = bytes.Repeat([]byte("\x00asm\x01\x00\x00\x00 a Go program "), 1000)

func get(t *testing.T, h http.Handler, path, acceptEncoding string) *http.Response {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, path, nil)
	if acceptEncoding != "" {
		r.Header.Set("Accept-Encoding", acceptEncoding)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

func body(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	p, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(p))
		require.NoError(t, err)
		p, err = io.ReadAll(zr)
		require.NoError(t, err)
	}
	return p
}

func TestHandler(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"index.html":   {Data: []byte("<!doctype html>"), ModTime: time.Now()},
		"main.wasm":    {Data: wasm, ModTime: time.Now()},
		"wasm_exec.js": {Data: []byte("'use strict';"), ModTime: time.Now()},
		"pre.wasm":     {Data: wasm, ModTime: time.Now()},
		"pre.wasm.br":  {Data: []byte("brotli bytes"), ModTime: time.Now()},
		"only.wasm.gz": {Data: gz(t, wasm), ModTime: time.Now()},
	}
	h := wasmserve.Handler(fsys)

	tests := []struct {
		name, path, accept string
		status             int
		typ, encoding      string
		body               []byte
	}{
		{"wasm, gzipped on the fly", "/main.wasm", "gzip, deflate, br", 200, "application/wasm", "gzip", wasm},
		{"wasm to a client without gzip", "/main.wasm", "", 200, "application/wasm", "", wasm},
		{"wasm to a client refusing gzip", "/main.wasm", "gzip;q=0", 200, "application/wasm", "", wasm},
		{"precompressed brotli first", "/pre.wasm", "gzip, br", 200, "application/wasm", "br", []byte("brotli bytes")},
		{"gzip when brotli is not accepted", "/pre.wasm", "gzip", 200, "application/wasm", "gzip", wasm},
		{"a precompressed file alone", "/only.wasm", "gzip", 200, "application/wasm", "gzip", wasm},
		{"wasm_exec.js", "/wasm_exec.js", "gzip", 200, "text/javascript; charset=utf-8", "gzip", []byte("'use strict';")},
		{"the index", "/", "gzip", 200, "text/html; charset=utf-8", "", []byte("<!doctype html>")},
		{"not found", "/nope.wasm", "gzip", 404, "", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := get(t, h, tt.path, tt.accept)
			require.Equal(t, tt.status, resp.StatusCode, "status")
			if tt.status != 200 {
				return
			}
			assert.Equal(t, tt.typ, resp.Header.Get("Content-Type"), "Content-Type")
			assert.Equal(t, tt.encoding, resp.Header.Get("Content-Encoding"), "Content-Encoding")
			assert.Contains(t, resp.Header.Values("Vary"), "Accept-Encoding", "Vary")
			assert.Equal(t, tt.body, body(t, resp), "body")
		})
	}

	// The gzip made on the fly is made again when the file changes.
	fsys["main.wasm"] = &fstest.MapFile{Data: []byte("changed"), ModTime: time.Now().Add(time.Second)}
	assert.Equal(t, []byte("changed"), body(t, get(t, h, "/main.wasm", "gzip")))
}

func TestCompresses(t *testing.T) {
	t.Parallel()
	h := wasmserve.Handler(fstest.MapFS{"main.wasm": {Data: wasm}})
	resp := get(t, h, "/main.wasm", "gzip")
	p, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Less(t, len(p), len(wasm)/10, "what goes on the wire for a repetitive wasm")
}

func gz(t *testing.T, p []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(p)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}
