//go:build !js

package harness

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/duplex-go/duplex/internal/wsspec"
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
	rooms   map[string]map[*conn]*member
}

type bucket struct {
	s     Stats
	conns []*ConnStats
}

// New returns a Harness. A nil opts means the zero [Options].
func New(opts *Options) *Harness {
	h := &Harness{
		conns:   make(map[*conn]struct{}),
		buckets: map[string]*bucket{"": {}},
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

// Stats returns what the harness has seen for connections tagged id, or
// for all connections when id is empty.
func (h *Harness) Stats(id string) Stats {
	h.mu.Lock()
	defer h.mu.Unlock()
	b, ok := h.buckets[id]
	if !ok {
		return Stats{}
	}
	s := b.s
	if id != "" {
		s.Conns = make([]ConnStats, len(b.conns))
		for i, cs := range b.conns {
			s.Conns[i] = *cs
		}
	}
	return s
}

func (h *Harness) logf(format string, args ...any) {
	if h.opts.Logf != nil {
		h.opts.Logf(format, args...)
	}
}

// update applies fn to the totals and to id's bucket under h.mu.
func (h *Harness) update(id string, fn func(s *Stats)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	fn(&h.buckets[""].s)
	if id != "" {
		b := h.buckets[id]
		if b == nil {
			b = &bucket{}
			h.buckets[id] = b
		}
		fn(&b.s)
	}
}

func (h *Harness) refuse(w http.ResponseWriter, r *http.Request, status int, err error) {
	h.update(r.URL.Query().Get("id"), func(s *Stats) { s.Refused++ })
	if err != nil {
		h.logf("harness: %s: %v", r.URL.Path, err)
		http.Error(w, "harness: "+err.Error(), status)
	}
}

// conn is one accepted WebSocket connection.
type conn struct {
	h       *Harness
	ready   chan struct{} // closed once Accept has returned and set ws, nc and br
	ws      *websocket.Conn
	nc      net.Conn // the hijacked connection under ws, for TCP cuts
	id      string
	st      *ConnStats // guarded by h.mu
	ctx     context.Context
	cancel  context.CancelFunc
	cutOnce sync.Once
	kicked  bool // guarded by h.mu: a kick is ending it

	// A raw connection (a hostile scenario) never lets ws read or write:
	// it writes frames to nc by hand and reads the client's from br.
	raw          bool
	br           *bufio.Reader // the reader ws would use, holding any bytes read ahead
	wmu          sync.Mutex    // serializes writes to nc
	clientClosed chan struct{} // closed when the client's close frame arrives
}

// recorder sits between coder/websocket's Accept and the
// http.ResponseWriter. It counts the handshake (or its refusal) before the
// response leaves, so a client that has dialed finds it in /stats, and it
// keeps the hijacked net.Conn so a scenario can cut TCP with no close
// frame.
type recorder struct {
	http.ResponseWriter
	c       *conn
	counted bool // the 101 was counted as a handshake
	conn    net.Conn
	br      *bufio.Reader
}

func (w *recorder) WriteHeader(status int) {
	if status == http.StatusSwitchingProtocols {
		w.c.st.Subprotocol = w.Header().Get("Sec-WebSocket-Protocol")
		w.c.st.Extensions = w.Header().Get("Sec-WebSocket-Extensions")
		w.c.h.admit(w.c)
		w.counted = true
	} else {
		w.c.h.update(w.c.id, func(s *Stats) { s.Refused++ })
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	w.conn = nc
	if brw != nil {
		w.br = brw.Reader
	}
	return nc, brw, err
}

// ws wraps a scenario in the common handshake: it parses the scenario's
// and the common query parameters, accepts the WebSocket, registers the
// connection, runs the scenario and cleans up.
func (h *Harness) ws(scenario func(q query) (func(c *conn), error)) http.HandlerFunc {
	return h.accept(false, scenario)
}

// accept is ws; raw marks a hostile scenario's connection, which reads and
// writes frames by hand (see raw).
func (h *Harness) accept(raw bool, scenario func(q query) (func(c *conn), error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := query{r.URL.Query()}
		run, err := scenario(q)
		if err != nil {
			h.refuse(w, r, http.StatusBadRequest, err)
			return
		}
		opts, limit, err := h.acceptOptions(r, q)
		if err != nil {
			h.refuse(w, r, http.StatusBadRequest, err)
			return
		}
		if n, err := h.failing(q); err != nil {
			h.refuse(w, r, http.StatusBadRequest, err)
			return
		} else if n > 0 {
			h.refuse(w, r, http.StatusServiceUnavailable, fmt.Errorf("fail=%d: down for this handshake", n))
			return
		}
		c := &conn{h: h, id: q.Get("id"), st: &ConnStats{Path: r.URL.Path, Open: true}, ready: make(chan struct{}), raw: raw}
		if raw {
			c.clientClosed = make(chan struct{})
		}
		c.ctx, c.cancel = context.WithCancel(h.ctx)
		defer c.cancel()
		rec := &recorder{ResponseWriter: w, c: c}
		ws, err := websocket.Accept(rec, r, opts)
		if err != nil {
			// Accept has written the HTTP error (403 for a refused origin),
			// which the recorder counted.
			h.logf("harness: %s: %v", r.URL.Path, err)
			close(c.ready)
			if rec.counted {
				h.unregister(c)
			}
			return
		}
		ws.SetReadLimit(limit)
		c.ws, c.nc, c.br = ws, rec.conn, rec.br
		close(c.ready)
		defer h.unregister(c)
		if c.ctx.Err() != nil {
			return // the harness closed meanwhile
		}
		if !raw && q.Get("info") == "1" && r.URL.Path == "/echo" {
			info, _ := json.Marshal(ConnInfo{
				Subprotocol: c.st.Subprotocol,
				Extensions:  c.st.Extensions,
				Origin:      r.Header.Get("Origin"),
				Header:      r.Header,
			})
			if c.write(websocket.MessageText, info) != nil {
				return
			}
		}
		run(c)
	}
}

// failing returns the fail=N parameter if the handshake must be refused
// for it (fewer than N handshakes tagged id have been refused), else 0.
func (h *Harness) failing(q query) (int, error) {
	n, err := q.int("fail", 0, 0, 1<<20)
	if err != nil || n == 0 {
		return 0, err
	}
	id := q.Get("id")
	if id == "" {
		return 0, errors.New("fail=N needs an id")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if b := h.buckets[id]; b != nil && b.s.Refused >= int64(n) {
		return 0, nil
	}
	return n, nil
}

func (h *Harness) acceptOptions(r *http.Request, q query) (*websocket.AcceptOptions, int64, error) {
	opts := &websocket.AcceptOptions{OriginPatterns: h.opts.OriginPatterns}
	if q.Has("origins") {
		opts.OriginPatterns = splitList(q.Get("origins"))
	}
	opts.InsecureSkipVerify = len(opts.OriginPatterns) == 0
	if q.Has("protocols") {
		opts.Subprotocols = splitList(q.Get("protocols"))
	} else {
		// Accept whichever the client offers first.
		for _, v := range r.Header.Values("Sec-WebSocket-Protocol") {
			opts.Subprotocols = append(opts.Subprotocols, splitList(v)...)
		}
	}
	switch m := q.Get("compress"); m {
	case "":
		opts.CompressionMode = websocket.CompressionDisabled
	case "context":
		opts.CompressionMode = websocket.CompressionContextTakeover
	case "nocontext":
		opts.CompressionMode = websocket.CompressionNoContextTakeover
	default:
		return nil, 0, fmt.Errorf("compress=%q: want context or nocontext", m)
	}
	limit, err := q.int("limit", 64<<20, -1, 1<<40)
	if err != nil {
		return nil, 0, err
	}
	return opts, int64(limit), nil
}

// admit counts c's handshake, lists its stats and makes it reachable by
// Close and /kick, before the client learns that it is connected.
func (h *Harness) admit(c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	add := func(b *bucket) {
		b.s.Handshakes++
		b.s.Open++
	}
	add(h.buckets[""])
	if c.id != "" {
		b := h.buckets[c.id]
		if b == nil {
			b = &bucket{}
			h.buckets[c.id] = b
		}
		add(b)
		b.conns = append(b.conns, c.st)
		if len(b.conns) > MaxConnStats {
			b.conns = append(b.conns[:0], b.conns[len(b.conns)-MaxConnStats:]...)
		}
	}
	if h.closed {
		c.cancel()
	} else {
		h.conns[c] = struct{}{}
	}
}

// unregister closes c and counts it closed.
func (h *Harness) unregister(c *conn) {
	c.cut(false)
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.conns, c)
	h.buckets[""].s.Open--
	if b := h.buckets[c.id]; c.id != "" && b != nil {
		b.s.Open--
	}
	c.st.Open = false
}

// read reads a message, counts it, and notes the client's close frame.
func (c *conn) read() (websocket.MessageType, []byte, error) {
	typ, p, err := c.ws.Read(c.ctx)
	if err != nil {
		var ce websocket.CloseError
		if errors.As(err, &ce) {
			c.h.mu.Lock()
			if c.st.ClientCloseCode == 0 {
				c.st.ClientCloseCode = int(ce.Code)
				c.st.ClientCloseReason = ce.Reason
			}
			c.h.mu.Unlock()
		}
		return 0, nil, err
	}
	c.h.update(c.id, func(s *Stats) {
		s.MessagesReceived++
		s.BytesReceived += int64(len(p))
	})
	c.h.mu.Lock()
	c.st.MessagesReceived++
	c.h.mu.Unlock()
	return typ, p, nil
}

// write writes a message and counts it. It counts first, so that a client
// which has read the message finds it in the stats; a write that fails is
// taken back out.
func (c *conn) write(typ websocket.MessageType, p []byte) error {
	c.count(1, len(p))
	if err := c.ws.Write(c.ctx, typ, p); err != nil {
		c.count(-1, -len(p))
		return err
	}
	return nil
}

func (c *conn) count(messages, bytes int) {
	c.h.update(c.id, func(s *Stats) {
		s.MessagesSent += int64(messages)
		s.BytesSent += int64(bytes)
	})
	c.h.mu.Lock()
	c.st.MessagesSent += int64(messages)
	c.h.mu.Unlock()
}

// drain reads and discards messages in a goroutine until the connection
// fails, then cancels the connection's context; wait for it with the
// returned func.
func (c *conn) drain() (wait func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer c.cancel()
		for {
			if _, _, err := c.read(); err != nil {
				return
			}
		}
	}()
	return func() { <-done }
}

// cut closes the TCP connection with no close frame: a FIN, or a reset
// when rst is set.
func (c *conn) cut(rst bool) {
	<-c.ready
	if c.ws == nil {
		c.cancel()
		return // never accepted
	}
	c.cutOnce.Do(func() {
		nc := c.nc
		if tc, ok := nc.(interface{ NetConn() net.Conn }); ok {
			nc = tc.NetConn() // under TLS
		}
		if tcp, ok := nc.(*net.TCPConn); ok && rst {
			_ = tcp.SetLinger(0)
		}
		_ = nc.Close()
		c.ws.CloseNow()
		c.cancel()
	})
}

// closeWith sends a close frame and waits for the client's answer, at most
// coder/websocket's 5 s.
func (c *conn) closeWith(code websocket.StatusCode, reason string) {
	<-c.ready
	switch {
	case c.ws == nil:
	case c.raw:
		c.rawClose(int(code), reason)
	default:
		_ = c.ws.Close(code, reason)
	}
}

func (h *Harness) stats(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, h.Stats(r.URL.Query().Get("id")))
}

func (h *Harness) kick(w http.ResponseWriter, r *http.Request) {
	q := query{r.URL.Query()}
	id := q.Get("id")
	if id == "" {
		http.Error(w, "harness: kick needs id=", http.StatusBadRequest)
		return
	}
	code, reason, err := q.closeFrame(0)
	if err != nil {
		http.Error(w, "harness: "+err.Error(), http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	var kicked []*conn
	for c := range h.conns {
		if c.id == id && !c.kicked { // one still ending counts once
			c.kicked = true
			kicked = append(kicked, c)
		}
	}
	h.mu.Unlock()
	for _, c := range kicked {
		if code == 0 {
			c.cut(false)
			continue
		}
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			c.closeWith(code, reason)
		}()
	}
	writeJSON(w, map[string]int{"kicked": len(kicked)})
}

func (h *Harness) reject(w http.ResponseWriter, r *http.Request) {
	q := query{r.URL.Query()}
	status, err := q.int("status", http.StatusForbidden, 300, 599)
	if err != nil {
		h.refuse(w, r, http.StatusBadRequest, err)
		return
	}
	if v := q.Get("retry_after"); v != "" {
		w.Header().Set("Retry-After", v)
	}
	if status < 400 {
		loc := q.Get("location")
		if loc == "" {
			loc = "/echo"
		}
		w.Header().Set("Location", loc)
	}
	h.update(q.Get("id"), func(s *Stats) { s.Refused++ })
	http.Error(w, fmt.Sprintf("harness: rejected with %d", status), status)
}

// hang never answers: the handshake hangs until the client gives up, hold
// passes or the harness closes.
func (h *Harness) hang(w http.ResponseWriter, r *http.Request) {
	q := query{r.URL.Query()}
	hold, err := q.duration("hold", time.Minute, 0)
	if err != nil {
		h.refuse(w, r, http.StatusBadRequest, err)
		return
	}
	t := time.NewTimer(hold)
	defer t.Stop()
	select {
	case <-r.Context().Done(): // the client gave up
		h.refuse(w, r, 0, nil)
	case <-h.ctx.Done():
		h.refuse(w, r, http.StatusServiceUnavailable, errors.New("hang: harness closing"))
	case <-t.C:
		h.refuse(w, r, http.StatusServiceUnavailable, fmt.Errorf("hang: held for %v", hold))
	}
}

func (h *Harness) index(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprint(w, `duplex test harness: WebSocket scenarios

/echo /clock /chat /drop /close /reject /hang /flood /slow /silent /badutf8
hostile peers: /stall /bad?frame= /garbage /raw?b64=
/stats?id= /kick?id=

See https://pkg.go.dev/github.com/duplex-go/duplex/server_test_harness/harness
`)
}

// cors lets pages from any origin call a control endpoint with GET or
// POST, so that browser tests can read stats and kick connections.
func cors(fn http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		w.Header().Set("Access-Control-Allow-Headers", "*")
		switch r.Method {
		case http.MethodGet, http.MethodPost:
			fn(w, r)
		case http.MethodOptions:
			w.WriteHeader(http.StatusNoContent)
		default:
			w.Header().Set("Allow", "GET, POST, OPTIONS")
			http.Error(w, "harness: method not allowed", http.StatusMethodNotAllowed)
		}
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(v)
}

// query reads typed query parameters.
type query struct{ vals map[string][]string }

func (q query) Get(k string) string {
	if v := q.vals[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func (q query) Has(k string) bool { _, ok := q.vals[k]; return ok }

func (q query) int(k string, def, lo, hi int) (int, error) {
	s := q.Get(k)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s=%q: want an integer from %d to %d", k, s, lo, hi)
	}
	return n, nil
}

func (q query) uint64(k string, def, hi uint64) (uint64, error) {
	s := q.Get(k)
	if s == "" {
		return def, nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n > hi {
		return 0, fmt.Errorf("%s=%q: want an integer from 0 to %d", k, s, hi)
	}
	return n, nil
}

func (q query) duration(k string, def, lo time.Duration) (time.Duration, error) {
	s := q.Get(k)
	if s == "" {
		return def, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < lo {
		return 0, fmt.Errorf("%s=%q: want a duration of at least %v, such as 250ms", k, s, lo)
	}
	return d, nil
}

// closeFrame parses code= and reason=. The code must be one a peer may
// send; reason must fit a close frame (123 bytes).
func (q query) closeFrame(def int) (websocket.StatusCode, string, error) {
	code, err := q.int("code", def, 0, 4999)
	if err != nil {
		return 0, "", err
	}
	if code != def && !wsspec.PeerCloseCode(code) {
		return 0, "", fmt.Errorf("code=%d: not a close code a peer may send (1000-1003, 1007-1014, 3000-4999)", code)
	}
	reason := q.Get("reason")
	if len(reason) > 123 {
		return 0, "", fmt.Errorf("reason: %d bytes, over the 123 a close frame holds", len(reason))
	}
	return websocket.StatusCode(code), reason, nil
}

func splitList(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
