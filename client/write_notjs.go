//go:build !js

package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/coder/websocket"
)

func toCoder(t MessageType) websocket.MessageType {
	if t == MessageText {
		return websocket.MessageText
	}
	return websocket.MessageBinary
}

// writeErr translates a failed write, in this package's words.
func (n *native) writeErr(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		// coder/websocket closes the connection when ctx ends inside a
		// write: a frame half written cannot be taken back.
		return fmt.Errorf("client: %s: the connection was failed (a message was half written): %w", op, ctx.Err())
	}
	select {
	case <-n.ended:
		return fmt.Errorf("client: %s: %w", op, n.endErr())
	default:
	}
	if oe, ok := errors.AsType[*net.OpError](err); ok {
		return fmt.Errorf("client: %s: the connection failed (%v): %w", op, oe.Err, net.ErrClosed)
	}
	return fmt.Errorf("client: %s: the connection failed: %w", op, net.ErrClosed)
}

func (n *native) write(ctx context.Context, typ MessageType, p []byte) error {
	select {
	case <-n.ended:
		return fmt.Errorf("client: write: %w", n.endErr())
	default:
	}
	if err := n.ws.Write(ctx, toCoder(typ), p); err != nil {
		return n.writeErr(ctx, "write", err)
	}
	return nil
}

func (n *native) writer(ctx context.Context, typ MessageType) (io.WriteCloser, error) {
	select {
	case <-n.ended:
		return nil, fmt.Errorf("client: writer: %w", n.endErr())
	default:
	}
	w, err := n.ws.Writer(ctx, toCoder(typ))
	if err != nil {
		return nil, n.writeErr(ctx, "writer", err)
	}
	return &nativeWriter{n: n, ctx: ctx, w: w}, nil
}

type nativeWriter struct {
	n   *native
	ctx context.Context
	w   io.WriteCloser
}

func (w *nativeWriter) Write(p []byte) (int, error) {
	k, err := w.w.Write(p)
	if err != nil {
		return k, w.n.writeErr(w.ctx, "write", err)
	}
	return k, nil
}

func (w *nativeWriter) Close() error {
	if err := w.w.Close(); err != nil {
		return w.n.writeErr(w.ctx, "write", err)
	}
	return nil
}

// close sends the close frame and waits, bounded by ctx, for the peer's;
// a Read waiting meanwhile returns at once, so that the peer's answer can
// be read. When ctx ends first, TCP is cut.
func (n *native) close(ctx context.Context, code StatusCode, reason string) error {
	select {
	case <-n.ended:
		err := n.endErr()
		n.cutNow()
		return fmt.Errorf("client: close: the connection had already ended: %w", err)
	default:
	}
	n.setErr(closedError("read"))
	n.closing.Store(true)
	n.stream.cutAny()
	// Take the read token: the op that was cut has ended then, so no
	// cut can land on coder/websocket's read of the peer's answer, and
	// no Read or idle reader starts another. A Read inside a message
	// handed over as it arrives cannot be cut: ctx bounds the wait.
	if n.lock(ctx) == nil {
		defer func() { <-n.readSem }()
	}
	done := make(chan error, 1)
	go func() { done <- n.ws.Close(websocket.StatusCode(code), reason) }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		// coder/websocket's CloseNow does nothing once Close has begun:
		// cut the connection under it.
		n.stream.kill()
		n.raw.Close()
		<-done
		err = fmt.Errorf("client: close: the closing handshake did not finish: %w", ctx.Err())
	}
	n.stopIdle()
	n.end(closedError("read"))
	if err != nil && ctx.Err() == nil {
		if errors.Is(err, net.ErrClosed) {
			return fmt.Errorf("client: close: the connection ended before the closing handshake finished: %w", net.ErrClosed)
		}
		return errors.New("client: close: the closing handshake did not finish")
	}
	return err
}

// closeNow cuts TCP before anything else, so that nothing the peer does
// or does not do can hold it.
func (n *native) closeNow() error {
	n.setErr(closedError("read"))
	n.cutNow()
	n.end(closedError("read"))
	return nil
}

// cutNow gives up the connection at once.
func (n *native) cutNow() {
	n.stream.kill()
	n.raw.Close()
	_ = n.ws.CloseNow()
	n.stopIdle()
}

func (n *native) subprotocol() string { return n.ws.Subprotocol() }

func (n *native) setReadLimit(limit int64) { n.limit.Store(limit) }
