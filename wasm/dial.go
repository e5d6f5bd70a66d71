//go:build js && wasm

package wasm

import (
	"context"
	"errors"
	"syscall/js"

	"github.com/duplex-go/duplex/internal/errs"
	"github.com/duplex-go/duplex/internal/redact"
	"github.com/duplex-go/duplex/internal/wsspec"
	"github.com/duplex-go/duplex/jsbridge"
)

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
		id:         -1,
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
		if !forceFunc {
			c.id = register(c) // the export path's, if the shim can take it (entry.go)
		}
		var s js.Value
		err = jsbridge.Try(func() {
			if c.transport == TransportStream {
				s = lib.Call("stream", u, protocols, float64(o.ReadLimit), float64(o.ReceiveQueueLimit), c.wake.Value, c.id)
			} else {
				s = lib.Call("classic", u, protocols, o.BinaryType.String(), float64(o.ReadLimit), float64(o.ReceiveQueueLimit), c.wake.Value, c.id)
			}
		})
		if err == nil {
			b := newShimSock(s)
			if b.mem = c.id >= 0 && s.Get("id").Int() == c.id; !b.mem && c.id >= 0 {
				conns[c.id], c.id = nil, -1
			}
			c.b = b
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
