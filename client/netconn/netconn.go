// Package netconn runs a byte stream over a WebSocket: HTTP/2, gRPC, yamux
// or any protocol on a net.Conn, natively and from the browser.
//
//	c, err := client.Dial(ctx, "wss://example.com/tunnel", nil)
//	if err != nil { ... }
//	nc := netconn.New(ctx, c, client.MessageBinary)
//	session, err := yamux.Client(nc, nil)
//
// It is a package of its own, not part of client, because package net
// costs every page that imports it about 70 KB gzipped (its initialization
// brings os and a file system emulation), and most pages never need a
// net.Conn.
package netconn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/duplex-go/duplex/client"
	"github.com/duplex-go/duplex/internal/redact"
)

// New returns a net.Conn that carries a byte stream over c, on both
// platforms: each Write is a message of type typ (or several, of at most
// 32 KiB each, for a longer one), and Read reads the messages' bytes in
// order, so HTTP/2, gRPC or yamux can run over a WebSocket from the
// browser. Writes from several goroutines never interleave: each Write's
// bytes are contiguous in the stream, as on TCP. A message of the other
// type fails the stream: the connection is closed with
// client.StatusUnsupportedData (sent as 4003).
//
// RemoteAddr is the WebSocket's URL, with its user info, query values
// and fragment masked, as in error text: logs often hold it.
//
// ctx bounds the net.Conn's life: when it ends, the connection is closed
// at once (CloseNow). Close closes the WebSocket with StatusNormalClosure.
// Deadlines work as net.Conn says: an expired one fails Read or Write
// with an error whose Timeout method reports true (os.ErrDeadlineExceeded
// in its chain), and the connection stays usable (except natively after
// a Write cut in the middle of a message, which fails the connection, as
// client.Conn.Write says). A deadline moved or cleared before it passes
// never fires. A write deadline also bounds a Write's wait for another
// goroutine's Write to finish. A read deadline bounds the wait for a
// message; once one has started, its bytes are read as they come.
func New(ctx context.Context, c *client.Conn, typ client.MessageType) net.Conn {
	nc := &netConn{c: c, typ: typ, writeSem: make(chan struct{}, 1), rd: newDeadline(), wd: newDeadline()}
	nc.stop = context.AfterFunc(ctx, func() { _ = c.CloseNow() })
	return nc
}

type netConn struct {
	c    *client.Conn
	typ  client.MessageType
	stop func() bool

	readMu sync.Mutex
	r      io.Reader // the message being read

	// writeSem is held by the Write sending: one Write's bytes are
	// contiguous in the stream, as on TCP. A channel, not a mutex, so
	// that a Write waiting for it still ends at the write deadline.
	writeSem chan struct{}

	rd, wd *deadline
}

// deadline is a net.Conn deadline as a context: pending operations see
// it moved, brought forward or passed.
type deadline struct {
	mu    sync.Mutex
	timer *time.Timer
	gen   uint64   // counts set calls: a timer of an older one does nothing
	cur   *passing // until the deadline passes; a new one after that
}

// passing is one deadline's passing: its channel, and the functions to
// run then (context.AfterFunc registers them here, so that a Read or Write
// under a deadline costs no goroutine waiting on Done).
type passing struct {
	done   chan struct{}
	passed bool
	next   int
	funcs  map[int]func()
}

func newDeadline() *deadline { return &deadline{cur: newPassing()} }

func newPassing() *passing { return &passing{done: make(chan struct{})} }

func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	// Stop cannot stop a timer whose function has started and waits for
	// d.mu: the generation tells that function it is too late.
	d.gen++
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
	if d.cur.passed { // a new deadline needs a new channel
		d.cur = newPassing()
	}
	if t.IsZero() {
		return
	}
	if wait := time.Until(t); wait > 0 {
		p, gen := d.cur, d.gen
		d.timer = time.AfterFunc(wait, func() {
			d.mu.Lock()
			defer d.mu.Unlock()
			if d.gen == gen { // not moved since
				d.pass(p)
			}
		})
		return
	}
	d.pass(d.cur)
}

// pass marks p passed and starts its functions; d.mu is held.
func (d *deadline) pass(p *passing) {
	if p.passed {
		return
	}
	p.passed = true
	close(p.done)
	for _, f := range p.funcs {
		go f()
	}
	p.funcs = nil
}

// context returns a context that ends when the deadline passes.
func (d *deadline) context() context.Context {
	d.mu.Lock()
	defer d.mu.Unlock()
	return deadlineContext{d: d, p: d.cur}
}

type deadlineContext struct {
	d *deadline
	p *passing
}

func (deadlineContext) Deadline() (time.Time, bool) { return time.Time{}, false }
func (c deadlineContext) Done() <-chan struct{}     { return c.p.done }
func (deadlineContext) Value(any) any               { return nil }
func (c deadlineContext) Err() error {
	select {
	case <-c.p.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

// AfterFunc is what context.AfterFunc calls instead of starting a
// goroutine to wait on Done: f runs in its own goroutine when the
// deadline passes; stop reports whether it stopped f from running.
func (c deadlineContext) AfterFunc(f func()) (stop func() bool) {
	c.d.mu.Lock()
	defer c.d.mu.Unlock()
	if c.p.passed {
		go f()
		return func() bool { return false }
	}
	if c.p.funcs == nil {
		c.p.funcs = make(map[int]func())
	}
	id := c.p.next
	c.p.next++
	c.p.funcs[id] = f
	return func() bool {
		c.d.mu.Lock()
		defer c.d.mu.Unlock()
		if _, ok := c.p.funcs[id]; !ok {
			return false
		}
		delete(c.p.funcs, id)
		return true
	}
}

func (nc *netConn) opError(op string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		err = os.ErrDeadlineExceeded
	}
	return &net.OpError{Op: op, Net: "websocket", Err: err}
}

// deadlineError is a Write its deadline cut short, which failed the
// connection meanwhile: a timeout, as net.Conn requires, with how the
// connection ended in its chain.
type deadlineError struct{ err error }

func (e *deadlineError) Error() string   { return os.ErrDeadlineExceeded.Error() + ": " + e.err.Error() }
func (e *deadlineError) Timeout() bool   { return true }
func (e *deadlineError) Unwrap() []error { return []error{os.ErrDeadlineExceeded, e.err} }

func (nc *netConn) Read(p []byte) (int, error) {
	nc.readMu.Lock()
	defer nc.readMu.Unlock()
	for {
		if nc.r == nil {
			typ, r, err := nc.c.Reader(nc.rd.context())
			if err != nil {
				if s := client.CloseStatus(err); s == client.StatusNormalClosure || s == client.StatusGoingAway || s == 4001 {
					return 0, io.EOF
				}
				return 0, nc.opError("read", err)
			}
			if typ != nc.typ {
				_ = nc.c.Close(client.StatusUnsupportedData, fmt.Sprintf("expected %v messages", nc.typ))
				return 0, nc.opError("read", fmt.Errorf("client: a %v message in a stream of %v messages", typ, nc.typ))
			}
			nc.r = r
		}
		n, err := nc.r.Read(p)
		if err == io.EOF {
			nc.r = nil
			if n == 0 {
				continue
			}
			return n, nil
		}
		if err != nil {
			return n, nc.opError("read", err)
		}
		return n, nil
	}
}

// maxChunk is the largest message a net.Conn Write sends: a bigger Write
// goes out in several, which a peer reading the stream cannot tell apart,
// and each stays within the peer's default read limit (32 KiB, here and
// in coder/websocket).
const maxChunk = client.DefaultReadLimit

func (nc *netConn) Write(p []byte) (int, error) {
	ctx := nc.wd.context()
	select {
	case nc.writeSem <- struct{}{}:
	case <-ctx.Done():
		return 0, nc.opError("write", ctx.Err())
	}
	defer func() { <-nc.writeSem }()
	n := 0
	for {
		chunk := p[n:min(len(p), n+maxChunk)]
		if err := nc.c.Write(ctx, nc.typ, chunk); err != nil {
			if ctx.Err() != nil && !errors.Is(err, context.DeadlineExceeded) {
				// Cut by the deadline, which failed the connection
				// (natively, a message half written): still a timeout.
				err = &deadlineError{err}
			}
			return n, nc.opError("write", err)
		}
		n += len(chunk)
		if n == len(p) {
			return n, nil
		}
	}
}

func (nc *netConn) Close() error {
	nc.stop()
	return nc.c.Close(client.StatusNormalClosure, "")
}

func (nc *netConn) LocalAddr() net.Addr  { return addr{} }
func (nc *netConn) RemoteAddr() net.Addr { return addr{nc.c.URL()} }

func (nc *netConn) SetDeadline(t time.Time) error {
	nc.rd.set(t)
	nc.wd.set(t)
	return nil
}

func (nc *netConn) SetReadDeadline(t time.Time) error {
	nc.rd.set(t)
	return nil
}

func (nc *netConn) SetWriteDeadline(t time.Time) error {
	nc.wd.set(t)
	return nil
}

// addr is a net.Addr for the WebSocket: its URL, for the remote end,
// with credentials masked (user info, query values, fragment), since
// servers and proxies log the remote address; client.Conn.URL has it
// whole.
type addr struct{ url string }

func (a addr) Network() string { return "websocket" }
func (a addr) String() string  { return redact.URL(a.url) }
