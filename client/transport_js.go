//go:build js && wasm

package client

import (
	"context"
	"errors"
	"io"

	"github.com/duplex-go/duplex/internal/errs"
	"github.com/duplex-go/duplex/internal/redact"
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
		Subprotocols:      o.Subprotocols,
		BinaryType:        o.BinaryType,
		Transport:         o.Transport,
		ReadLimit:         o.ReadLimit,
		ReceiveQueueLimit: o.ReceiveQueueLimit,
		SendHighWater:     o.SendHighWater,
		SendLowWater:      o.SendLowWater,
		HandshakeTimeout:  -1, // Dial's ctx carries it
		CloseTimeout:      o.CloseTimeout,
	}
	// wasm's errors are this package's: the same types and sentinels,
	// and, from a Conn dialled so, this package's prefix.
	c, err := wasm.Dial(errs.WithPrefix(ctx, "client: "), url, wo)
	if err != nil {
		return nil, err
	}
	return &browser{c: c}, nil
}

func (b *browser) reader(ctx context.Context) (MessageType, io.Reader, error) {
	typ, p, err := b.read(ctx)
	if err != nil {
		return 0, nil, err
	}
	return typ, &bytesReader{p: p}, nil
}

func (b *browser) read(ctx context.Context) (MessageType, []byte, error) {
	return b.c.Read(ctx)
}

func (b *browser) write(ctx context.Context, typ MessageType, p []byte) error {
	return b.c.Write(ctx, typ, p)
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
	return b.c.CloseContext(ctx, code, reason)
}

func (b *browser) closeNow() error { return b.c.CloseNow() }

func (b *browser) ping(context.Context) error {
	return errs.Msg("client: ping: browsers let a page send no ping frame", ErrUnsupported)
}

func (b *browser) subprotocol() string { return b.c.Subprotocol() }

func (b *browser) extensions() string { return b.c.Extensions() }

func (b *browser) transport() Transport { return b.c.Transport() }

func (b *browser) buffered() int64 { return b.c.BufferedAmount() }

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
