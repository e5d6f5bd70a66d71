//go:build !js

package harness

import (
	"container/list"
	"context"
	"net/http"
	"sync"
)

// Options configures a [Harness]. The zero value is ready to use.
type Options struct {
	// OriginPatterns lists the origins allowed to open a WebSocket, matched
	// as coder/websocket's AcceptOptions.OriginPatterns are (host patterns,
	// or scheme://host patterns). Empty allows every origin, since browser
	// tests run on a page served from another port. A handshake's
	// origins= query parameter overrides it.
	OriginPatterns []string

	// Logf, if set, receives a line for each handshake that fails.
	Logf func(format string, args ...any)
}

// Harness is the test server's [http.Handler]. Create it with [New] and
// end it with [Harness.Close]. It is safe for concurrent use.
type Harness struct {
	opts Options
	mux  *http.ServeMux

	ctx    context.Context // ends every scenario when cancelled
	cancel context.CancelFunc
	wg     sync.WaitGroup // every handler and helper goroutine

	mu      sync.Mutex
	closed  bool
	conns   map[*conn]struct{}
	buckets map[string]*bucket // by id; "" holds the totals
	idle    *list.List         // the ids with no open connection, most recently used first
	rooms   map[string]map[*conn]*member
}

// New returns a Harness. A nil opts means the zero [Options].
func New(opts *Options) *Harness {
	h := &Harness{
		conns:   make(map[*conn]struct{}),
		buckets: map[string]*bucket{"": {}},
		idle:    list.New(),
		rooms:   make(map[string]map[*conn]*member),
	}
	if opts != nil {
		h.opts = *opts
		h.opts.OriginPatterns = append([]string(nil), opts.OriginPatterns...)
	}
	h.ctx, h.cancel = context.WithCancel(context.Background())

	m := http.NewServeMux()
	m.HandleFunc("GET /{$}", h.index)
	m.HandleFunc("GET /echo", h.ws(h.echo))
	m.HandleFunc("GET /clock", h.ws(h.clock))
	m.HandleFunc("GET /chat", h.ws(h.chat))
	m.HandleFunc("GET /drop", h.ws(h.drop))
	m.HandleFunc("GET /close", h.ws(h.closer))
	m.HandleFunc("GET /flood", h.ws(h.flood))
	m.HandleFunc("GET /slow", h.ws(h.slow))
	m.HandleFunc("GET /silent", h.ws(h.silent))
	m.HandleFunc("GET /badutf8", h.ws(h.badUTF8))
	m.HandleFunc("GET /stall", h.raw(h.stall))
	m.HandleFunc("GET /bad", h.raw(h.bad))
	m.HandleFunc("GET /garbage", h.raw(h.garbage))
	m.HandleFunc("GET /raw", h.raw(h.rawBytes))
	m.HandleFunc("GET /reject", h.reject)
	m.HandleFunc("GET /hang", h.hang)
	m.HandleFunc("/stats", cors(h.stats))
	m.HandleFunc("/kick", cors(h.kick))
	h.mux = m
	return h
}

// ServeHTTP serves the scenarios listed in the package documentation.
func (h *Harness) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		http.Error(w, "harness: closed", http.StatusServiceUnavailable)
		return
	}
	h.wg.Add(1)
	h.mu.Unlock()
	defer h.wg.Done()
	h.mux.ServeHTTP(w, r)
}

// Close ends every scenario, cuts every open connection and waits for the
// harness's goroutines to return. Requests after Close get HTTP 503.
// Close the harness before or after the http.Server that serves it:
// either order works, since an http.Server does not track hijacked
// connections.
func (h *Harness) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	conns := make([]*conn, 0, len(h.conns))
	for c := range h.conns {
		conns = append(conns, c)
	}
	h.mu.Unlock()

	h.cancel()
	for _, c := range conns {
		c.cut(false)
	}
	h.wg.Wait()
	return nil
}

func (h *Harness) logf(format string, args ...any) {
	if h.opts.Logf != nil {
		h.opts.Logf(format, args...)
	}
}
