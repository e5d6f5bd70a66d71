package client

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/duplex-go/duplex/internal/errs"
	"github.com/duplex-go/duplex/internal/ws"
	"github.com/duplex-go/duplex/internal/wsspec"
)

// MaxReasonBytes is the longest close reason sent: what browsers allow,
// and what fits a close frame with its code.
const MaxReasonBytes = ws.MaxReasonBytes

// Conn is a WebSocket connection, the same natively and in the browser.
//
// Read and Reader may be called by one goroutine at a time, Write and
// Writer by any number (messages never interleave), Close and CloseNow by
// any goroutine at any time. Every wait takes a context; a Read or Write
// whose context ends returns ctx.Err() (see the methods for what it leaves
// behind). After Close or CloseNow, and after the connection has ended,
// every method returns an error with net.ErrClosed in its chain; how the
// connection ended (a *CloseError with the peer's code and reason, or a
// limit) is what Read returns first.
type Conn struct {
	t            transport
	url          string
	closeTimeout time.Duration

	mu     sync.Mutex
	closed bool
}

// EnableCSPFallback lets Dial work in the browser on pages whose Content
// Security Policy forbids building code from a string (no 'unsafe-eval'),
// through a slower Go-only path; without it Dial there fails with an error
// in the chain of ErrUnsupported that says so. It is opt-in because every
// page that links it downloads about 19 KB more. Natively it does nothing.
// See wasm.EnableCSPFallback.
func EnableCSPFallback() { enableCSPFallback() }

// Dial opens a WebSocket connection to url: ws:// or wss:// (http:// and
// https:// mean the same). It waits for the handshake, bounded by ctx and
// Options.HandshakeTimeout. A failed handshake is a *DialError: natively
// with the HTTP status, Retry-After and redirect target of a refusal;
// browsers hide those, and say only that the socket never opened, and
// why where the page can know (see DialError).
// Redirects are not followed, on either platform.
func Dial(ctx context.Context, url string, opts *Options) (*Conn, error) {
	o := opts.withDefaults()
	if o.HandshakeTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.HandshakeTimeout)
		defer cancel()
	}
	t, err := dialTransport(ctx, url, &o)
	if err != nil {
		return nil, err
	}
	return &Conn{t: t, url: url, closeTimeout: o.CloseTimeout}, nil
}

// markClosed records that Close or CloseNow was called, and reports
// whether this is the first time.
func (c *Conn) markClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	first := !c.closed
	c.closed = true
	return first
}

func (c *Conn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// Read returns the next message, whole. A message over the read limit
// ends the connection (ErrMessageTooBig), as does a text message that is
// not UTF-8 or a frame that breaks the protocol (browsers fail the
// connection then: Read returns a *CloseError with 1006, and the peer gets
// 1002). A Read whose ctx ends returns ctx.Err() and the connection stays
// usable, even when the ctx ends in the middle of a message: nothing of it
// is lost, and the next Read returns it. (Natively, Read receives a
// message whole before it returns any of it, holding at most the read
// limit; in browsers the browser does.)
func (c *Conn) Read(ctx context.Context) (MessageType, []byte, error) {
	if c.isClosed() {
		return 0, nil, closedError("read")
	}
	if err := ctx.Err(); err != nil {
		return 0, nil, err
	}
	return c.t.read(ctx)
}

// Reader returns the next message's type and a reader of its body; ctx
// bounds the wait for the message. Read the body to io.EOF: a body left
// unread is discarded by the next Reader or Read (natively, that reads it
// from the network). Limits and UTF-8 are checked as the body is read.
//
// Natively the body is read from the network as it arrives, so a body
// can wait on a peer that stalls: Close (within Options.CloseTimeout) or
// CloseNow (at once) end such a wait. A Read or Reader that finds the last
// body unread discards it first, and if its ctx ends while the rest of
// that message is still arriving, the connection is cut (a message
// already begun cannot be given back). In browsers the whole message has
// already arrived.
func (c *Conn) Reader(ctx context.Context) (MessageType, io.Reader, error) {
	if c.isClosed() {
		return 0, nil, closedError("read")
	}
	if err := ctx.Err(); err != nil {
		return 0, nil, err
	}
	return c.t.reader(ctx)
}

// Write sends p as one message of type typ. Text that is not UTF-8 is
// refused with ErrInvalidUTF8 before anything is sent. p may be reused as
// soon as Write returns.
//
// Natively Write returns once the message is written to the network; a
// ctx that ends while a message is half written fails the connection (a
// partial frame cannot be taken back), and one that ends once it has
// gone out whole (cancelled on the peer's answer, say) changes nothing,
// even before Write has returned. In browsers Write waits, before
// sending, while the browser holds Options.SendHighWater or more unsent
// bytes; a ctx that ends then returns ctx.Err() with nothing sent and the
// connection usable.
func (c *Conn) Write(ctx context.Context, typ MessageType, p []byte) error {
	if err := wsspec.CheckWrite("client: write", int(typ), p, ErrInvalidUTF8); err != nil {
		return err
	}
	if c.isClosed() {
		return closedError("write")
	}
	if err := ctx.Err(); err != nil {
		return err // nothing sent, on either platform
	}
	return c.t.write(ctx, typ, p)
}

// Writer returns a writer for one message of type typ, sent by the time
// its Close returns. For text, a Write whose bytes are not UTF-8 is
// refused (ErrInvalidUTF8) and nothing of it is sent, and a character cut
// at the end is an error at Close.
//
// Natively the message goes out in frames as it is written, and messages
// from other goroutines wait until Close (a Write whose ctx ends while it
// waits has sent nothing). Browsers have no API for frames, so there the
// message is sent whole at Close, and others do not wait for it.
func (c *Conn) Writer(ctx context.Context, typ MessageType) (io.WriteCloser, error) {
	if err := wsspec.CheckType("client: writer", int(typ)); err != nil {
		return nil, err
	}
	if c.isClosed() {
		return nil, closedError("writer")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	w, err := c.t.writer(ctx, typ)
	if err != nil {
		return nil, err
	}
	if typ == MessageText {
		return &textWriter{w: w}, nil
	}
	return w, nil
}

// textWriter passes on only whole, valid characters.
type textWriter struct {
	w io.WriteCloser
	u utf8Stream
}

func (w *textWriter) Write(p []byte) (int, error) {
	held := w.u.n
	old := w.u.carry
	if !w.u.check(p) {
		return 0, errs.Msg("client: write: "+ErrInvalidUTF8.Error()+"; nothing of this write was sent", ErrInvalidUTF8)
	}
	// The text so far is old[:held] then p; its last w.u.n bytes are a
	// character still cut, held back. Send the rest.
	send := held + len(p) - w.u.n
	if k := min(send, held); k > 0 {
		if _, err := w.w.Write(old[:k]); err != nil {
			return 0, err
		}
	}
	if send > held {
		if _, err := w.w.Write(p[:send-held]); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

func (w *textWriter) Close() error {
	if !w.u.complete() {
		err := w.w.Close()
		return errors.Join(errs.Wrap("client: write: text ends inside a character, which was not sent", ErrInvalidUTF8), err)
	}
	return w.w.Close()
}

// Close starts the closing handshake with code and reason and waits for
// the peer's answer, for at most Options.CloseTimeout; see CloseContext.
func (c *Conn) Close(code StatusCode, reason string) error {
	ctx, cancel := context.WithTimeout(context.Background(), c.closeTimeout)
	defer cancel()
	return c.CloseContext(ctx, code, reason)
}

// CloseContext starts the closing handshake and waits for the peer's close
// frame, bounded by ctx, or by Options.CloseTimeout if ctx has no
// deadline; then it gives up the connection. Reads and writes waiting
// meanwhile return errors with net.ErrClosed in their chain. A handshake
// that does not finish in time is an error with ctx's error in its
// chain.
//
// The code sent is the same on both platforms, and never thrown back as
// browsers would: see WireCode (1001-1015 go out as 4001-4015; a code no
// client may send goes out as 4011 and CloseContext returns
// ErrInvalidCloseCode). The reason is cut to MaxReasonBytes at a character
// boundary, and made valid UTF-8. Closing a connection already closed
// returns an error with net.ErrClosed in its chain.
func (c *Conn) CloseContext(ctx context.Context, code StatusCode, reason string) error {
	if !c.markClosed() {
		return closedError("close")
	}

	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.closeTimeout)
		defer cancel()
	}
	wire, reason, codeErr := wsspec.Close("client: close", int(code), reason, ErrInvalidCloseCode)
	err := c.t.close(ctx, StatusCode(wire), reason)
	if codeErr == nil {
		return err
	}
	return errors.Join(codeErr, err)
}

// CloseNow closes the connection without waiting. Natively it cuts the
// TCP connection (the peer sees 1006); browsers cannot, so there it sends
// a close frame with 1000 and gives up the socket at once.
func (c *Conn) CloseNow() error {
	if !c.markClosed() {
		return closedError("close")
	}
	return c.t.closeNow()
}

// Ping sends a ping frame (RFC 6455) and waits, bounded by ctx, for the
// peer's pong, which the peer's WebSocket layer sends on its own: it
// finds a dead peer even when the application above it sends nothing.
// The pong is read by whatever reads the connection (a Read, or the
// reader that answers the peer's control frames while nobody reads), so
// Ping needs no Read of its own; but a message the program leaves
// unread holds back the pong behind it. A ctx that ends returns
// ctx.Err() and leaves the connection usable. Natively only: browsers let
// a page send no ping frame, and there Ping returns an error wrapping
// ErrUnsupported.
func (c *Conn) Ping(ctx context.Context) error {
	if c.isClosed() {
		return closedError("ping")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return c.t.ping(ctx)
}

// URL returns the URL Dial was given.
func (c *Conn) URL() string { return c.url }

// Subprotocol returns the subprotocol the server chose, or "".
func (c *Conn) Subprotocol() string { return c.t.subprotocol() }

// Extensions returns the extensions the handshake negotiated, as the
// server's answer lists them (its Sec-WebSocket-Extensions), such as
// "permessage-deflate; client_max_window_bits", or "". Natively
// Options.Compression asks for permessage-deflate; browsers offer it, or
// not, on their own (Chrome always does), and report the server's
// answer.
func (c *Conn) Extensions() string { return c.t.extensions() }

// Transport returns the browser API the connection runs on:
// TransportWebSocket or TransportStream (which TransportPreferStream
// chose). Natively it is always TransportWebSocket: the protocol itself,
// on TCP.
func (c *Conn) Transport() Transport { return c.t.transport() }

// BufferedAmount returns the bytes handed to the browser and not yet
// sent: the WebSocket's bufferedAmount, or for WebSocketStream the bytes
// its writer has not yet taken; Write waits while it is at or above
// Options.SendHighWater. Natively it is always 0: Write returns once the
// message is written to the network.
func (c *Conn) BufferedAmount() int64 { return c.t.buffered() }

// SetReadLimit changes Options.ReadLimit for the messages that arrive from
// now on: n bytes, or -1 for no limit (0 means DefaultReadLimit).
func (c *Conn) SetReadLimit(n int64) {
	c.t.setReadLimit(wsspec.ReadLimit(n))
}
