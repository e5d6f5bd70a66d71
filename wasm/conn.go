//go:build js && wasm

package wasm

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"syscall/js"
	"unsafe"

	"github.com/duplex-go/duplex/internal/errs"
	"github.com/duplex-go/duplex/internal/redact"
	"github.com/duplex-go/duplex/internal/wsspec"
	"github.com/duplex-go/duplex/jsbridge"
)

// Conn is a browser WebSocket. One goroutine may Read while others Write
// and Close: reads are serialized with each other and writes with each
// other, each wait bounded by its ctx. Once the connection has ended, every
// method returns an error with ErrClosed in its chain.
type Conn struct {
	url        string
	opts       Options
	transport  Transport
	binaryType BinaryType
	b          backend
	wake       *jsbridge.Func // the shim's way into Go; nil for the fallback

	readSem   chan struct{}
	writeSem  chan struct{}
	readWake  chan struct{}
	writeWake chan struct{}
	final     chan struct{} // closed when nothing will call into Go again
	finalOnce sync.Once
	closing   chan struct{} // closed by Close

	// Read's state, under readSem: rbuf holds what the backend packed
	// (see backend.fill: never much more than batchBytes), batch what of
	// it is still to be read.
	rbuf  []byte
	batch []byte

	mu          sync.Mutex
	closeCalled bool
	queueAuto   bool // Options.QueueLimit was 0: it follows the ReadLimit
}

// Dial opens a WebSocket to url and waits for the handshake, for ctx, or
// for Options.HandshakeTimeout, whichever ends first.
//
// url may be ws:// or wss://; http:// and https:// are rewritten to ws://
// and wss://, and a relative URL is resolved against the page's location.
// Anything else is an error naming the URL, as is what the browser's
// constructor throws (a SyntaxError for a bad subprotocol, say). A
// WebSocket that never opens is a *DialError: browsers do not tell a page
// why, but where the page can know, its Err says (see DialError).
func Dial(ctx context.Context, url string, opts *Options) (*Conn, error) {
	o := opts.withDefaults()
	u, err := resolveURL(url)
	if err != nil {
		return nil, err
	}
	shown := redact.URL(u) // in error text: see DialError
	if o.BinaryType != ArrayBuffer && o.BinaryType != Blob {
		return nil, errors.New("wasm: dial " + shown + ": binary type " + wsspec.Quote(string(o.BinaryType)) + `: want "arraybuffer" or "blob"`)
	}
	c := &Conn{
		url:        u,
		opts:       o,
		queueAuto:  opts == nil || opts.QueueLimit <= 0,
		binaryType: o.BinaryType,
		readSem:    make(chan struct{}, 1),
		writeSem:   make(chan struct{}, 1),
		readWake:   make(chan struct{}, 1),
		writeWake:  make(chan struct{}, 1),
		final:      make(chan struct{}),
		closing:    make(chan struct{}),
	}
	protocols := make([]any, len(o.Protocols))
	for i, p := range o.Protocols {
		protocols[i] = p
	}

	lib, shimErr := shim()
	haveShim := shimErr == nil
	fallback := dialFallback.Load()
	if !haveShim && fallback == nil {
		return nil, errs.Msg("wasm: dial "+shown+": not supported on this page: it forbids building the package's JavaScript (Content Security Policy without 'unsafe-eval': "+shimErr.Error()+"); call wasm.EnableCSPFallback to use the Go-only path", ErrUnsupported)
	}
	haveStream := haveShim && lib.Call("hasStream").Bool()
	switch o.Transport {
	case TransportWebSocket:
		c.transport = TransportWebSocket
	case TransportStream:
		if !haveStream {
			return nil, errs.Msg("wasm: dial "+shown+": WebSocketStream is not supported by this browser", ErrUnsupported)
		}
		if o.BinaryType == Blob {
			return nil, errs.Msg("wasm: dial "+shown+": WebSocketStream is not supported with the Blob binary type (it has none)", ErrUnsupported)
		}
		c.transport = TransportStream
	case TransportPreferStream:
		c.transport = TransportWebSocket
		if haveStream && o.BinaryType == ArrayBuffer {
			c.transport = TransportStream
		}
	default:
		return nil, errors.New("wasm: dial " + shown + ": unknown " + o.Transport.String())
	}

	if haveShim {
		c.wake = jsbridge.FuncOf(func(_ js.Value, args []js.Value) any {
			c.notify(args[0].Int())
			return nil
		})
		var s js.Value
		err = jsbridge.Try(func() {
			if c.transport == TransportStream {
				s = lib.Call("stream", u, protocols, float64(o.ReadLimit), float64(o.QueueLimit), c.wake.Value)
			} else {
				s = lib.Call("classic", u, protocols, string(o.BinaryType), float64(o.ReadLimit), float64(o.QueueLimit), c.wake.Value)
			}
		})
		if err == nil {
			c.b = newShimSock(s)
		}
	} else {
		c.b, err = (*fallback)(u, protocols, o.BinaryType, o.ReadLimit, o.QueueLimit, c.notify)
	}
	if err != nil {
		c.finalize()
		if cause := c.diagnose(ctx, err); cause != nil {
			return nil, &DialError{URL: u, Err: cause}
		}
		return nil, errs.Wrap("wasm: dial "+shown, err)
	}

	hctx := ctx
	if o.HandshakeTimeout > 0 {
		var cancel context.CancelFunc
		hctx, cancel = context.WithTimeout(ctx, o.HandshakeTimeout)
		defer cancel()
	}
	for {
		// CLOSING counts as opened: a first message that breaks a limit
		// can come before Dial wakes from the open event, and this side
		// is closing by then (Read says why).
		e, ended := c.b.closed()
		if st := c.b.readyState(); st == Open || st == Closing || ended && e.opened {
			return c, nil // if it has closed since, Read reports how
		}
		if ended {
			c.b.detach()
			c.finalize()
			return nil, &DialError{URL: u, Code: e.code, Reason: e.reason, WasClean: e.wasClean, Err: c.neverOpened(hctx, e)}
		}
		select {
		case <-c.readWake:
		case <-hctx.Done():
			_ = c.b.close(1000, "")
			c.b.detach()
			c.finalize()
			if ctx.Err() != nil {
				return nil, errs.Wrap("wasm: dial "+shown, ctx.Err())
			}
			return nil, errs.Wrap("wasm: dial "+shown+": no handshake within "+o.HandshakeTimeout.String(), context.DeadlineExceeded)
		}
	}
}

// notify is how the backend wakes Conn's waiters.
func (c *Conn) notify(bits int) {
	if bits&1 != 0 {
		select {
		case c.readWake <- struct{}{}:
		default:
		}
	}
	if bits&2 != 0 {
		select {
		case c.writeWake <- struct{}{}:
		default:
		}
	}
	if bits&4 != 0 {
		c.finalize()
	}
}

// finalize releases the wake func: nothing calls into Go after it.
func (c *Conn) finalize() {
	c.finalOnce.Do(func() {
		if c.wake != nil {
			c.wake.Release()
		}
		close(c.final)
	})
}

func acquire(ctx context.Context, sem chan struct{}) error {
	select {
	case sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *Conn) isClosing() bool {
	select {
	case <-c.closing:
		return true
	default:
		return false
	}
}

// Read returns the next message, in the order the browser received them,
// whatever their type and size. A Read whose ctx ends returns ctx.Err()
// and leaves the connection open. After the last message before the end of
// the connection, Read returns how it ended: a *CloseError (the peer's code
// and reason), an error wrapping ErrMessageTooBig or ErrQueueFull (and
// ErrClosed) if a limit ended it, or ErrClosed after Close.
//
// A message stops counting against Options.QueueLimit when Read returns
// it.
func (c *Conn) Read(ctx context.Context) (MessageType, []byte, error) {
	if err := acquire(ctx, c.readSem); err != nil {
		return 0, nil, err
	}
	defer func() { <-c.readSem }()
	for {
		if c.isClosing() {
			return 0, nil, c.closedError("read")
		}
		if len(c.batch) > 0 {
			typ := MessageType(c.batch[0])
			n := int(uint32(c.batch[1]) | uint32(c.batch[2])<<8 | uint32(c.batch[3])<<16 | uint32(c.batch[4])<<24) // little-endian
			p := make([]byte, n)
			copy(p, c.batch[5:5+n])
			c.batch = c.batch[5+n:]
			c.b.release(n)
			return typ, p, nil
		}
		out, st := c.b.fill(c.rbuf[:0], true)
		switch st {
		case fillOK:
			c.rbuf, c.batch = out, out
			continue
		case fillText:
			return MessageText, out, nil
		case fillBinary:
			return MessageBinary, out, nil
		case fillEnded:
			return 0, nil, c.endError("read")
		case fillBlob:
			p, err := c.b.(blobReader).readBlob(ctx)
			if err != nil {
				if ctx.Err() != nil {
					return 0, nil, ctx.Err()
				}
				return 0, nil, errs.Wrap("wasm: read", err)
			}
			return MessageBinary, p, nil
		}
		select {
		case <-c.readWake:
		case <-c.closing:
		case <-ctx.Done():
			c.b.disarmRead()
			return 0, nil, ctx.Err()
		}
	}
}

// limitError is the error of every call once a limit has made this side
// close the connection, from that moment on (even after Close); nil if
// none did. It names the limit as it was when the message broke it.
func (c *Conn) limitError(op string) error {
	kind, size, limit := c.b.failure()
	if kind == "" {
		return nil
	}
	var msg string
	var sentinel error
	switch kind {
	case "toobig":
		of := strconv.FormatInt(size, 10)
		if size < 0 {
			of = "at least " + strconv.FormatInt(-size, 10)
		}
		msg = "a message of " + of + " bytes is over the read limit of " +
			strconv.FormatInt(limit, 10) + " bytes; the connection was closed with 4009"
		sentinel = ErrMessageTooBig
	case "queuefull":
		msg = "the receive queue limit of " + strconv.FormatInt(limit, 10) + " bytes was reached (Options.QueueLimit); " +
			"the connection was closed with 4008"
		sentinel = ErrQueueFull
	default: // "blob"
		return errs.Wrap("wasm: "+op+": the browser could not read a received Blob; the connection was closed with 4011", ErrClosed)
	}
	return errs.Join("wasm: "+op+": "+msg, sentinel, ErrClosed)
}

// endError is what Read returns after the last message, and writes once
// the socket has ended: why this side closed, or how the socket closed.
func (c *Conn) endError(op string) error {
	if err := c.limitError(op); err != nil {
		return err
	}
	e, ok := c.b.closed()
	if !ok {
		return errs.Wrap("wasm: "+op+": the connection is "+c.b.readyState().String(), ErrClosed)
	}
	ce := e.closeError()
	if op == "read" {
		return ce
	}
	return errs.Wrap("wasm: "+op, ce)
}

// closeError is how the browser says the socket closed, except that a code
// no peer may send (below 1000, 1004, 1016-2999, 5000 and up) means the peer
// broke the protocol: 1006, not clean, as natively. Chromium reports such
// a code as if it were valid (999, clean, after waiting 2 s for the server
// to end TCP).
func (e end) closeError() *CloseError {
	// 1005, 1006 and 1015 are the browser's own reports.
	if c := e.code; wsspec.PeerCloseCode(c) || c == 1005 || c == 1006 || c == 1015 {
		return &CloseError{Code: c, Reason: e.reason, WasClean: e.wasClean}
	}
	return &CloseError{Code: 1006}
}

// closedError is what calls return after Close: ErrClosed, and why the
// connection had ended if a limit ended it.
func (c *Conn) closedError(op string) error {
	if err := c.limitError(op); err != nil {
		return err
	}
	return errs.Wrap("wasm: "+op, ErrClosed)
}

// WriteText sends a text message. Text that is not valid UTF-8 is refused
// with ErrInvalidUTF8 before anything is sent.
//
// Like WriteBinary, it waits first while BufferedAmount is at or above
// Options.SendHighWater, until it falls below SendLowWater (bounded by ctx),
// then hands the message to the browser and returns. An error means the
// message was not sent.
func (c *Conn) WriteText(ctx context.Context, s string) error {
	// The bytes are only read, and copied before write returns.
	p := unsafe.Slice(unsafe.StringData(s), len(s))
	if err := wsspec.CheckWrite("wasm: write", wsspec.MessageText, p, ErrInvalidUTF8); err != nil {
		return err
	}
	return c.write(ctx, kindText, p)
}

// WriteBinary sends a binary message; see WriteText for how it waits. The
// bytes are copied before it returns: p may be reused at once.
func (c *Conn) WriteBinary(ctx context.Context, p []byte) error {
	return c.write(ctx, kindBinary, p)
}

func (c *Conn) write(ctx context.Context, kind int, p []byte) error {
	if err := acquire(ctx, c.writeSem); err != nil {
		return err
	}
	defer func() { <-c.writeSem }()
	for {
		if c.isClosing() {
			return c.closedError("write")
		}
		st, err := c.b.send(kind, p, c.opts.SendHighWater)
		switch {
		case err != nil:
			return errs.Wrap("wasm: write", err)
		case st == sendOK:
			return nil
		case st == sendNotOpen:
			return c.endError("write")
		}
		// sendFull: wait for the buffer to drain below the low-water mark.
		for !c.b.armWrite(c.opts.SendLowWater) {
			select {
			case <-c.writeWake:
			case <-c.closing:
				c.b.disarmWrite()
				return c.closedError("write")
			case <-ctx.Done():
				c.b.disarmWrite()
				return ctx.Err()
			}
		}
	}
}

// CloseResult is what Close sent and how the close ended.
type CloseResult struct {
	// Code and Reason are what was passed to the browser: see
	// BrowserCloseCode, and MaxReasonBytes.
	Code   int
	Reason string
	// WasClean reports that the closing handshake completed in time.
	WasClean bool
}

// Close starts the closing handshake with code and reason and waits for it
// to finish, for ctx, or, if ctx has no deadline, for Options.CloseTimeout;
// then it gives up the socket. It never throws what the browser would:
// codes the browser refuses are mapped (BrowserCloseCode) and the reason is
// cut to MaxReasonBytes at a character boundary. The result says what was
// sent and whether the close was clean.
//
// Close returns an error wrapping ErrInvalidCloseCode for a code no
// WebSocket may send (it still closes, with 4011), ctx's error if the
// handshake did not finish in time, and ErrClosed if the connection was
// already closed or had ended (with ErrMessageTooBig or ErrQueueFull if a
// limit ended it: Close then returns at once). Reads and writes waiting
// when Close is called return ErrClosed.
func (c *Conn) Close(ctx context.Context, code int, reason string) (CloseResult, error) {
	c.mu.Lock()
	if c.closeCalled {
		c.mu.Unlock()
		return CloseResult{}, c.closedError("close")
	}
	c.closeCalled = true
	close(c.closing)
	c.mu.Unlock()

	if err := c.limitError("close"); err != nil {
		// This side is closing already, for a limit.
		e, _ := c.b.closed()
		c.b.detach()
		c.finalize()
		return CloseResult{WasClean: e.wasClean}, err
	}
	if e, ok := c.b.closed(); ok {
		c.b.detach()
		c.finalize()
		return CloseResult{WasClean: e.wasClean}, errs.Wrap("wasm: close: already ended", e.closeError())
	}
	sent, reason, codeErr := wsspec.Close("wasm: close", code, reason, ErrInvalidCloseCode)
	res := CloseResult{Code: sent, Reason: reason}
	if err := c.b.close(res.Code, res.Reason); err != nil {
		c.b.detach()
		c.finalize()
		return res, errs.Wrap("wasm: close", err)
	}

	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.opts.CloseTimeout)
		defer cancel()
	}
	select {
	case <-c.final:
		if e, ok := c.b.closed(); ok {
			res.WasClean = e.wasClean
		}
		return res, codeErr
	case <-ctx.Done():
		c.b.detach()
		c.finalize()
		return res, errs.Wrap("wasm: close: the closing handshake did not finish", errors.Join(ctx.Err(), codeErr))
	}
}

// SetReadLimit changes Options.ReadLimit for the messages that arrive from
// now on (n <= 0 other than -1 means DefaultReadLimit, -1 no limit). The
// queue limit follows it as Options.QueueLimit says: if that was 0, it
// becomes the default for n; else it is raised to n if it is lower.
// Messages already received were checked against the limit of their
// time.
func (c *Conn) SetReadLimit(n int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n = wsspec.ReadLimit(n)
	c.opts.ReadLimit = n
	if c.queueAuto {
		c.opts.QueueLimit = defaultQueueLimit(n)
	}
	if n > c.opts.QueueLimit {
		c.opts.QueueLimit = n
	}
	c.b.setLimits(c.opts.ReadLimit, c.opts.QueueLimit)
}

// URL returns the URL dialed, after resolving and rewriting.
func (c *Conn) URL() string { return c.url }

// Protocol returns the negotiated subprotocol, or "".
func (c *Conn) Protocol() string { return c.b.protocol() }

// Extensions returns the negotiated extensions, such as
// "permessage-deflate; client_max_window_bits", or "".
func (c *Conn) Extensions() string { return c.b.extensions() }

// BufferedAmount returns the bytes handed to the browser and not yet sent:
// the WebSocket's bufferedAmount, or for WebSocketStream the bytes its
// writer has not yet taken.
func (c *Conn) BufferedAmount() int64 { return c.b.buffered() }

// ReadyState returns the connection's state as the DOM names it. With
// WebSocketStream, a connection the peer has closed while messages it sent
// wait for Read is CLOSING until Read has taken them; writes fail, and
// Close reports the peer's close, as they do once it is CLOSED.
func (c *Conn) ReadyState() ReadyState { return c.b.readyState() }

// BinaryType returns how the browser hands over binary messages.
func (c *Conn) BinaryType() BinaryType { return c.binaryType }

// Transport returns the browser API in use: TransportWebSocket or
// TransportStream.
func (c *Conn) Transport() Transport { return c.transport }
