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
	"time"

	"github.com/coder/websocket"
)

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
		if q.Has("token") && !h.spend(q.Get("id"), q.Get("token")) {
			h.refuse(w, r, http.StatusUnauthorized, errors.New("token=: expired (it was accepted before for this id)"))
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

// spend accepts token for id once: it reports false if token was
// accepted for id before (an expired token). A refused handshake does
// not spend its token.
func (h *Harness) spend(id, token string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	b := h.bucket(id)
	defer h.used(id, b)
	if b.tokens[token] {
		return false
	}
	if b.tokens == nil {
		b.tokens = make(map[string]bool)
	}
	b.tokens[token] = true
	return true
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

func (h *Harness) refuse(w http.ResponseWriter, r *http.Request, status int, err error) {
	h.update(r.URL.Query().Get("id"), func(s *Stats) { s.Refused++ })
	if err != nil {
		h.logf("harness: %s: %v", r.URL.Path, err)
		http.Error(w, "harness: "+err.Error(), status)
	}
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
