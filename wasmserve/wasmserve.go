//go:build !js

package wasmserve

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

// Handler returns an http.Handler that serves the files of fsys, as
// http.FileServerFS does, with the right Content-Type for .wasm and the
// compression the package comment describes. Requests for a path ending
// in "/" get its index.html.
func Handler(fsys fs.FS) http.Handler {
	return &handler{fsys: fsys, files: http.FileServerFS(fsys), cache: map[string]*gzipped{}}
}

type handler struct {
	fsys  fs.FS
	files http.Handler

	mu    sync.Mutex
	cache map[string]*gzipped // by file name
}

// gzipped is a file's gzip, made for the file of that size and time.
type gzipped struct {
	size    int64
	modTime time.Time
	data    []byte
}

// types are the Content-Types set here whatever the system's MIME table
// says (a minimal container may have none).
var types = map[string]string{
	".wasm": "application/wasm",
	".js":   "text/javascript; charset=utf-8",
	".html": "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".json": "application/json",
}

func contentType(name string) string {
	ext := path.Ext(name)
	if t, ok := types[ext]; ok {
		return t
	}
	return mime.TypeByExtension(ext)
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.files.ServeHTTP(w, r)
		return
	}
	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	if name == "" || strings.HasSuffix(r.URL.Path, "/") {
		name = path.Join(name, "index.html")
	}
	if t := contentType(name); t != "" {
		w.Header().Set("Content-Type", t)
	}
	w.Header().Add("Vary", "Accept-Encoding")
	accept := r.Header.Get("Accept-Encoding")
	for _, enc := range []struct{ token, ext string }{{"br", ".br"}, {"gzip", ".gz"}} {
		if !accepts(accept, enc.token) {
			continue
		}
		if f, err := h.fsys.Open(name + enc.ext); err == nil {
			defer f.Close()
			if st, err := f.Stat(); err == nil && !st.IsDir() {
				if rs, ok := f.(io.ReadSeeker); ok {
					w.Header().Set("Content-Encoding", enc.token)
					http.ServeContent(w, r, name, st.ModTime(), rs)
					return
				}
			}
		}
	}
	if accepts(accept, "gzip") && (path.Ext(name) == ".wasm" || path.Ext(name) == ".js") {
		if gz, ok := h.gzip(name); ok {
			w.Header().Set("Content-Encoding", "gzip")
			http.ServeContent(w, r, name, gz.modTime, bytes.NewReader(gz.data))
			return
		}
	}
	h.files.ServeHTTP(w, r)
}

// gzip returns the gzip of the file name, made now or when the file was
// last the same size and time.
func (h *handler) gzip(name string) (*gzipped, bool) {
	st, err := fs.Stat(h.fsys, name)
	if err != nil || st.IsDir() {
		return nil, false
	}
	h.mu.Lock()
	defer h.mu.Unlock() // one compression at a time: each costs a second of CPU for a Go wasm
	if gz := h.cache[name]; gz != nil && gz.size == st.Size() && gz.modTime.Equal(st.ModTime()) {
		return gz, true
	}
	p, err := fs.ReadFile(h.fsys, name)
	if err != nil {
		return nil, false
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(p)
	if zw.Close() != nil {
		return nil, false
	}
	gz := &gzipped{size: st.Size(), modTime: st.ModTime(), data: buf.Bytes()}
	h.cache[name] = gz
	return gz, true
}

// accepts reports whether the Accept-Encoding header value accept allows
// token: named without q=0.
func accepts(accept, token string) bool {
	for part := range strings.SplitSeq(accept, ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(enc), token) {
			continue
		}
		q := strings.ReplaceAll(params, " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}
