//go:build js && wasm

package wasm

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"syscall/js"

	"github.com/duplex-go/duplex/internal/errs"
	"github.com/duplex-go/duplex/internal/redact"
	"github.com/duplex-go/duplex/internal/ws"
	"github.com/duplex-go/duplex/internal/wsspec"
	"github.com/duplex-go/duplex/jsbridge"
)

// Conn is a browser WebSocket. One goroutine may Read while others Write
// and Close: reads are serialized with each other and writes with each
// other, each wait bounded by its ctx. Once the connection has ended, every
// method returns an error with ErrClosed in its chain.
type Conn struct {
	url        string
	pre        string // the errors' prefix: "wasm: ", or "client: " under client's Dial
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
	queueAuto   bool // Options.ReceiveQueueLimit was 0: it follows the ReadLimit
}

// Dial opens a WebSocket to url and waits for the handshake, for ctx, or
// for Options.HandshakeTimeout, whichever ends first.
//
// url may be ws:// or wss://; http:// and https:// are rewritten to ws://
// and wss://, and a relative URL is resolved against the page's location.
// Anything else is an error naming the URL, as is what the browser's
// constructor throws (a SyntaxError for a bad subprotocol, say), but for
// mixed content: that is a *DialError with ErrMixedContent. A WebSocket
// that never opens is a *DialError: browsers do not tell a page why, but
// where the page can know, its Err says (see DialError).
func Dial(ctx context.Context, url string, opts *Options) (*Conn, error) {
	o := opts.withDefaults()
	pre := errs.Prefix(ctx, "wasm: ")
	u, err := resolveURL(pre, url)
	if err != nil {
		return nil, err
	}
	shown := redact.URL(u) // in error text: see DialError
	// The constructor would throw a SyntaxError that names the value,
	// which may be a credential: say why, and not what.
	if err := wsspec.CheckSubprotocols("Options.Subprotocols", o.Subprotocols); err != nil {
		return nil, errs.Wrap(pre+"dial "+shown, err)
	}
	if o.BinaryType != ArrayBuffer && o.BinaryType != Blob {
		return nil, errors.New(pre + "dial " + shown + ": " + o.BinaryType.String() + ": want ArrayBuffer or Blob")
	}
	c := &Conn{
		url:        u,
		pre:        pre,
		opts:       o,
		queueAuto:  opts == nil || opts.ReceiveQueueLimit <= 0,
		binaryType: o.BinaryType,
		readSem:    make(chan struct{}, 1),
		writeSem:   make(chan struct{}, 1),
		readWake:   make(chan struct{}, 1),
		writeWake:  make(chan struct{}, 1),
		final:      make(chan struct{}),
		closing:    make(chan struct{}),
	}
	protocols := make([]any, len(o.Subprotocols))
	for i, p := range o.Subprotocols {
		protocols[i] = p
	}

	lib, shimErr := shim()
	haveShim := shimErr == nil
	fallback := dialFallback.Load()
	if !haveShim && fallback == nil {
		return nil, errs.Msg(pre+"dial "+shown+": not supported on this page: it forbids building the package's JavaScript (Content Security Policy without 'unsafe-eval': "+shimErr.Error()+"); call wasm.EnableCSPFallback to use the Go-only path", ErrUnsupported)
	}
	haveStream := haveShim && lib.Call("hasStream").Bool()
	switch o.Transport {
	case TransportWebSocket:
		c.transport = TransportWebSocket
	case TransportStream:
		if !haveStream {
			return nil, errs.Msg(pre+"dial "+shown+": WebSocketStream is not supported by this browser", ErrUnsupported)
		}
		if o.BinaryType == Blob {
			return nil, errs.Msg(pre+"dial "+shown+": WebSocketStream is not supported with the Blob binary type (it has none)", ErrUnsupported)
		}
		c.transport = TransportStream
	case TransportPreferStream:
		c.transport = TransportWebSocket
		if haveStream && o.BinaryType == ArrayBuffer {
			c.transport = TransportStream
		}
	default:
		return nil, errors.New(pre + "dial " + shown + ": unknown " + o.Transport.String())
	}

	if haveShim {
		c.wake = jsbridge.FuncOf(func(_ js.Value, args []js.Value) any {
			c.notify(args[0].Int())
			return nil
		})
		var s js.Value
		err = jsbridge.Try(func() {
			if c.transport == TransportStream {
				s = lib.Call("stream", u, protocols, float64(o.ReadLimit), float64(o.ReceiveQueueLimit), c.wake.Value)
			} else {
				s = lib.Call("classic", u, protocols, o.BinaryType.String(), float64(o.ReadLimit), float64(o.ReceiveQueueLimit), c.wake.Value)
			}
		})
		if err == nil {
			c.b = newShimSock(s)
		}
	} else {
		c.b, err = (*fallback)(u, protocols, o.BinaryType, o.ReadLimit, o.ReceiveQueueLimit, c.notify)
	}
	if err != nil {
		c.finalize()
		if cause := mixedContent(u, err); cause != nil {
			return nil, &DialError{URL: url, Err: cause}
		}
		return nil, errs.Wrap(pre+"dial "+shown, err)
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
			return nil, &DialError{URL: url, Err: c.neverOpened(hctx, e.closeError())}
		}
		select {
		case <-c.readWake:
		case <-hctx.Done():
			_ = c.b.close(1000, "")
			c.b.detach()
			c.finalize()
			if ctx.Err() != nil {
				return nil, &DialError{URL: url, Err: errs.Wrap("no handshake", ctx.Err())}
			}
			return nil, &DialError{URL: url, Err: errs.Wrap("no handshake within "+o.HandshakeTimeout.String(), context.DeadlineExceeded)}
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
// and reason), an error wrapping ErrMessageTooBig or ErrReceiveQueueFull (and
// ErrClosed) if a limit ended it, or ErrClosed after Close.
//
// A message stops counting against Options.ReceiveQueueLimit when Read returns
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
				return 0, nil, errs.Wrap(c.pre+"read", err)
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
		msg = "the receive queue limit of " + strconv.FormatInt(limit, 10) + " bytes was reached (Options.ReceiveQueueLimit); " +
			"the connection was closed with 4008"
		sentinel = ErrReceiveQueueFull
	default: // "blob"
		return errs.Wrap(c.pre+op+": the browser could not read a received Blob; the connection was closed with 4011", ErrClosed)
	}
	return errs.Join(c.pre+op+": "+msg, sentinel, ErrClosed)
}

// endError is what Read returns after the last message, and writes once
// the socket has ended: why this side closed, or how the socket closed.
func (c *Conn) endError(op string) error {
	if err := c.limitError(op); err != nil {
		return err
	}
	e, ok := c.b.closed()
	if !ok {
		return errs.Wrap(c.pre+op+": the connection is "+c.b.readyState().String(), ErrClosed)
	}
	ce := e.closeError()
	if op == "read" {
		return ce
	}
	return errs.Msg(c.pre+op+": "+ws.CloseText(ce), ce)
}

// closeError is how the browser says the socket closed, except that a code
// no peer may send (below 1000, 1004, 1016-2999, 5000 and up) means the peer
// broke the protocol: 1006, not clean, as natively. Chromium reports such
// a code as if it were valid (999, clean, after waiting 2 s for the server
// to end TCP).
func (e end) closeError() *CloseError {
	// 1005, 1006 and 1015 are the browser's own reports.
	if c := e.code; wsspec.PeerCloseCode(c) || c == 1005 || c == 1006 || c == 1015 {
		return &CloseError{Code: StatusCode(c), Reason: e.reason, WasClean: e.wasClean}
	}
	return &CloseError{Code: StatusAbnormalClosure}
}

// closedError is what calls return after Close: ErrClosed, and why the
// connection had ended if a limit ended it.
func (c *Conn) closedError(op string) error {
	if err := c.limitError(op); err != nil {
		return err
	}
	return errs.Wrap(c.pre+op, ErrClosed)
}

// Write sends p as one message of type typ. Text that is not UTF-8 is
// refused with ErrInvalidUTF8 before anything is sent. The bytes are
// copied before Write returns: p may be reused at once.
//
// It waits first, before sending, while BufferedAmount is at or above
// Options.SendHighWater, until it falls below SendLowWater (bounded by
// ctx: a ctx that ends returns ctx.Err() with nothing sent and the
// connection usable), then hands the message to the browser and returns.
// An error means the message was not sent.
func (c *Conn) Write(ctx context.Context, typ MessageType, p []byte) error {
	if err := wsspec.CheckWrite(c.pre+"write", int(typ), p, ErrInvalidUTF8); err != nil {
		return err
	}
	return c.write(ctx, int(typ), p) // kindText and kindBinary are the message types
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
			return errs.Wrap(c.pre+"write", err)
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

// Close starts the closing handshake with code and reason and waits for
// the peer's answer, for at most Options.CloseTimeout; see CloseContext.
func (c *Conn) Close(code StatusCode, reason string) error {
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.CloseTimeout)
	defer cancel()
	return c.close(ctx, code, reason, false)
}

// CloseContext starts the closing handshake with code and reason and
// waits for it to finish, bounded by ctx, or by Options.CloseTimeout if
// ctx has no deadline; then it gives up the socket. Reads and writes
// waiting meanwhile return errors with ErrClosed in their chain.
//
// It never throws what the browser would: the code sent is WireCode's
// (1001-1015 go out as 4001-4015; a code no client may send goes out as
// 4011, and CloseContext returns an error wrapping ErrInvalidCloseCode),
// and the reason is cut to MaxReasonBytes at a character boundary, and
// made valid UTF-8.
//
// It returns an error with ctx's error in its chain if the handshake did
// not finish in time; the *CloseError of the connection if it had ended
// before (or, if a limit ended it, ErrMessageTooBig or ErrReceiveQueueFull,
// with ErrClosed); and an error with ErrClosed if Close, CloseContext or
// CloseNow was called before.
func (c *Conn) CloseContext(ctx context.Context, code StatusCode, reason string) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.opts.CloseTimeout)
		defer cancel()
	}
	return c.close(ctx, code, reason, false)
}

// CloseNow sends a close frame with 1000 and gives up the socket at once,
// waiting for nothing: a page cannot cut a connection. It returns an
// error with ErrClosed in its chain only if Close, CloseContext or
// CloseNow was called before.
func (c *Conn) CloseNow() error {
	return c.close(context.Background(), StatusNormalClosure, "", true)
}

// close is Close, CloseContext and (now set) CloseNow.
func (c *Conn) close(ctx context.Context, code StatusCode, reason string, now bool) error {
	c.mu.Lock()
	if c.closeCalled {
		c.mu.Unlock()
		return c.closedError("close")
	}
	c.closeCalled = true
	close(c.closing)
	c.mu.Unlock()

	if err := c.limitError("close"); err != nil {
		// This side is closing already, for a limit.
		c.b.detach()
		c.finalize()
		if now {
			return nil
		}
		return err
	}
	if e, ok := c.b.closed(); ok {
		c.b.detach()
		c.finalize()
		if now {
			return nil
		}
		ce := e.closeError()
		return errs.Msg(c.pre+"close: "+ws.CloseText(ce), ce)
	}
	sent, reason, codeErr := wsspec.Close(c.pre+"close", int(code), reason, ErrInvalidCloseCode)
	if err := c.b.close(sent, reason); err != nil {
		c.b.detach()
		c.finalize()
		return errs.Wrap(c.pre+"close", err)
	}
	if now {
		c.b.detach()
		c.finalize()
		return nil
	}
	select {
	case <-c.final:
		if e, _ := c.b.closed(); !e.wasClean {
			ce := e.closeError()
			return join(codeErr, errs.Msg(c.pre+"close: the connection ended before the closing handshake finished: "+ws.CloseText(ce), ce))
		}
		return codeErr
	case <-ctx.Done():
		c.b.detach()
		c.finalize()
		return join(codeErr, errs.Wrap(c.pre+"close: the closing handshake did not finish", ctx.Err()))
	}
}

// join is errors.Join(a, b) for a b that is not nil, and b alone if a is
// nil.
func join(a, b error) error {
	if a == nil {
		return b
	}
	return errors.Join(a, b)
}

// SetReadLimit changes Options.ReadLimit for the messages that arrive from
// now on (n <= 0 other than -1 means DefaultReadLimit, -1 no limit). The
// queue limit follows it as Options.ReceiveQueueLimit says: if that was 0, it
// becomes the default for n; else it is raised to n if it is lower.
// Messages already received were checked against the limit of their
// time.
func (c *Conn) SetReadLimit(n int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n = wsspec.ReadLimit(n)
	c.opts.ReadLimit = n
	if c.queueAuto {
		c.opts.ReceiveQueueLimit = defaultQueueLimit(n)
	}
	if n > c.opts.ReceiveQueueLimit {
		c.opts.ReceiveQueueLimit = n
	}
	c.b.setLimits(c.opts.ReadLimit, c.opts.ReceiveQueueLimit)
}

// URL returns the URL dialed, after resolving and rewriting.
func (c *Conn) URL() string { return c.url }

// Subprotocol returns the subprotocol the server chose, or "".
func (c *Conn) Subprotocol() string { return c.b.protocol() }

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
