//go:build js && wasm

package client

import (
	"context"
	"errors"
	"io"
	"unsafe"

	"github.com/duplex-go/duplex/internal/errs"
	"github.com/duplex-go/duplex/internal/redact"
	"github.com/duplex-go/duplex/internal/wsspec"
	"github.com/duplex-go/duplex/wasm"
)

// browser is the transport on package wasm, the page's own WebSocket (or
// WebSocketStream).
type browser struct {
	c *wasm.Conn
}

func enableCSPFallback() { wasm.EnableCSPFallback() }

func dialTransport(ctx context.Context, url string, o *Options) (transport, error) {
	unsupported := func(field, why string) error {
		return errs.Msg("client: dial "+redact.URL(url)+": Options."+field+" is not supported in browsers: "+why, ErrUnsupported)
	}
	switch {
	case len(o.Header) > 0:
		return nil, unsupported("Header", "they let pages send no request headers (use a subprotocol, a cookie or a first message)")
	case o.Proxy != nil:
		return nil, unsupported("Proxy", "they use their own proxy settings")
	case o.TLS != nil:
		return nil, unsupported("TLS", "they use their own certificates")
	}
	wo := &wasm.Options{
		Protocols:        o.Subprotocols,
		BinaryType:       wasm.ArrayBuffer,
		ReadLimit:        o.ReadLimit,
		QueueLimit:       o.QueueLimit,
		SendHighWater:    o.SendHighWater,
		SendLowWater:     o.SendLowWater,
		HandshakeTimeout: -1, // Dial's ctx carries it
		CloseTimeout:     o.CloseTimeout,
	}
	if o.BinaryType == Blob {
		wo.BinaryType = wasm.Blob
	}
	switch o.Transport {
	case TransportStream:
		wo.Transport = wasm.TransportStream
	case TransportPreferStream:
		wo.Transport = wasm.TransportPreferStream
	}
	c, err := wasm.Dial(ctx, url, wo)
	if err != nil {
		if de, ok := errors.AsType[*wasm.DialError](err); ok {
			return nil, &DialError{URL: url, Err: de.Err} // why, as far as the page can know
		}
		if ctx.Err() != nil {
			return nil, &DialError{URL: url, Err: errs.Wrap("no handshake", ctx.Err())}
		}
		if errors.Is(err, wasm.ErrUnsupported) { // wasm's text says so: no second prefix
			return nil, errs.Msg(detail(err, wasm.ErrUnsupported), ErrUnsupported)
		}
		return nil, translate(err)
	}
	return &browser{c: c}, nil
}

// translate turns package wasm's errors into this package's, keeping the
// detail of the message. An error that wraps ErrClosed beside another of
// wasm's sentinels (ErrQueueFull after a full queue, say) gets both of
// this package's.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if ce, ok := errors.AsType[*wasm.CloseError](err); ok {
		cerr := &CloseError{Code: StatusCode(ce.Code), Reason: ce.Reason, WasClean: ce.WasClean}
		if err == error(ce) {
			return cerr
		}
		return errs.Msg(detail(err, ce)+": "+cerr.text(), cerr)
	}
	for _, m := range []struct{ from, to error }{
		{wasm.ErrMessageTooBig, ErrMessageTooBig},
		{wasm.ErrQueueFull, ErrQueueFull},
		{wasm.ErrInvalidUTF8, ErrInvalidUTF8},
		{wasm.ErrUnsupported, ErrUnsupported},
		{wasm.ErrInvalidCloseCode, ErrInvalidCloseCode},
		{wasm.ErrClosed, errs.ErrClosed},
	} {
		if !errors.Is(err, m.from) {
			continue
		}
		msg := detail(err, m.from)
		if m.from != wasm.ErrClosed && errors.Is(err, wasm.ErrClosed) {
			return errs.Join(msg, m.to, errs.ErrClosed)
		}
		return errs.Wrap(msg, m.to)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err // Read and Write return ctx.Err() as it is; close composes its own
	}
	return errors.New("client: " + wsspec.TrimPrefix(err.Error(), "wasm: "))
}

// detail is err's message without its "wasm: " prefix and without the
// text of the wrapped error at its end.
func detail(err, wrapped error) string {
	s := wsspec.TrimPrefix(err.Error(), "wasm: ")
	s = wsspec.TrimSuffix(s, ": "+wrapped.Error())
	return "client: " + s
}

func (b *browser) reader(ctx context.Context) (MessageType, io.Reader, error) {
	typ, p, err := b.read(ctx)
	if err != nil {
		return 0, nil, err
	}
	return typ, &bytesReader{p: p}, nil
}

func (b *browser) read(ctx context.Context) (MessageType, []byte, error) {
	typ, p, err := b.c.Read(ctx)
	if err != nil {
		return 0, nil, translate(err)
	}
	if typ == wasm.MessageText {
		return MessageText, p, nil
	}
	return MessageBinary, p, nil
}

func (b *browser) write(ctx context.Context, typ MessageType, p []byte) error {
	var err error
	if typ == MessageText {
		// WriteText copies before it returns and keeps nothing.
		err = b.c.WriteText(ctx, unsafe.String(unsafe.SliceData(p), len(p)))
	} else {
		err = b.c.WriteBinary(ctx, p)
	}
	return translate(err)
}

func (b *browser) writer(ctx context.Context, typ MessageType) (io.WriteCloser, error) {
	if b.c.ReadyState() != wasm.Open {
		// A socket that is no longer open never opens again: a write of
		// nothing sends nothing, and returns why.
		if err := b.write(ctx, typ, nil); err != nil {
			return nil, err
		}
	}
	return &browserWriter{b: b, ctx: ctx, typ: typ}, nil
}

// browserWriter collects a message: browsers send only whole messages.
type browserWriter struct {
	b      *browser
	ctx    context.Context
	typ    MessageType
	buf    []byte
	closed bool
}

func (w *browserWriter) Write(p []byte) (int, error) {
	if w.closed {
		return 0, errors.New("client: write: the message writer is closed")
	}
	w.buf = append(w.buf, p...)
	return len(p), nil
}

func (w *browserWriter) Close() error {
	if w.closed {
		return errors.New("client: write: the message writer is closed")
	}
	w.closed = true
	return w.b.write(w.ctx, w.typ, w.buf)
}

func (b *browser) close(ctx context.Context, code StatusCode, reason string) error {
	_, err := b.c.Close(ctx, int(code), reason)
	// The one error of package wasm with a ctx error in its chain: the
	// handshake did not finish in time, by ctx or Options.CloseTimeout.
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		cerr := ctx.Err()
		if cerr == nil {
			cerr = context.DeadlineExceeded // CloseTimeout
		}
		return errs.Wrap("client: close: the closing handshake did not finish", cerr)
	}
	return translate(err)
}

func (b *browser) closeNow() error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // send the close frame, wait for nothing
	_, err := b.c.Close(ctx, 1000, "")
	if err != nil && !errors.Is(err, context.Canceled) {
		return translate(err)
	}
	return nil
}

func (b *browser) subprotocol() string { return b.c.Protocol() }

func (b *browser) setReadLimit(n int64) { b.c.SetReadLimit(n) }

// bytesReader reads a message's bytes: bytes.Reader without package bytes,
// which brings package unicode's tables into every page.
type bytesReader struct{ p []byte }

func (r *bytesReader) Read(b []byte) (int, error) {
	if len(r.p) == 0 {
		if len(b) == 0 {
			return 0, nil
		}
		return 0, io.EOF
	}
	n := copy(b, r.p)
	r.p = r.p[n:]
	return n, nil
}
