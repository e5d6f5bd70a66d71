//go:build !js

package client

import (
	"context"
	"errors"
	"io"
	"net"

	"github.com/coder/websocket"

	"github.com/duplex-go/duplex/internal/errs"
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
		return errs.Join("client: "+op+": ctx ended while a message was half written, which fails the connection", ctx.Err(), errs.ErrClosed)
	}
	select {
	case <-n.ended:
		return n.endErr(op)
	default:
	}
	if oe, ok := errors.AsType[*net.OpError](err); ok {
		return errs.Join("client: "+op+": the connection failed ("+oe.Err.Error()+")", errs.ErrClosed)
	}
	return errs.Join("client: "+op+": the connection failed", errs.ErrClosed)
}

// lockWrite waits, bounded by ctx, for the Write or Writer sending to
// finish: a Write whose ctx ends while it waits has sent nothing, and the
// connection goes on.
func (n *native) lockWrite(ctx context.Context) error {
	select {
	case n.writeSem <- struct{}{}:
		return nil
	default:
	}
	select {
	case n.writeSem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (n *native) write(ctx context.Context, typ MessageType, p []byte) error {
	if n.hasEnded() {
		return n.endErr("write")
	}
	if err := n.lockWrite(ctx); err != nil {
		return err
	}
	defer func() { <-n.writeSem }()
	if err := n.ws.Write(ctx, toCoder(typ), p); err != nil {
		return n.writeErr(ctx, "write", err)
	}
	return nil
}

func (n *native) ping(ctx context.Context) error {
	if n.hasEnded() {
		return n.endErr("ping")
	}
	err := n.ws.Ping(ctx)
	switch {
	case err == nil:
		return nil
	case n.hasEnded():
		return n.endErr("ping")
	case ctx.Err() != nil:
		return errs.Wrap("client: ping: no pong before ctx ended", ctx.Err())
	}
	return errs.Join("client: ping: the connection failed", errs.ErrClosed)
}

func (n *native) writer(ctx context.Context, typ MessageType) (io.WriteCloser, error) {
	if n.hasEnded() {
		return nil, n.endErr("writer")
	}
	if err := n.lockWrite(ctx); err != nil {
		return nil, err
	}
	w, err := n.ws.Writer(ctx, toCoder(typ))
	if err != nil {
		<-n.writeSem
		return nil, n.writeErr(ctx, "writer", err)
	}
	return &nativeWriter{n: n, ctx: ctx, w: w}, nil
}

// nativeWriter holds the write lock until Close.
type nativeWriter struct {
	n      *native
	ctx    context.Context
	w      io.WriteCloser
	closed bool
}

func (w *nativeWriter) Write(p []byte) (int, error) {
	if w.closed {
		return 0, errs.Msg("client: write: the Writer is closed", errs.ErrClosed)
	}
	k, err := w.w.Write(p)
	if err != nil {
		return k, w.n.writeErr(w.ctx, "write", err)
	}
	return k, nil
}

func (w *nativeWriter) Close() error {
	if w.closed {
		return errs.Msg("client: write: the Writer is closed", errs.ErrClosed)
	}
	w.closed = true
	defer func() { <-w.n.writeSem }()
	if err := w.w.Close(); err != nil {
		return w.n.writeErr(w.ctx, "write", err)
	}
	return nil
}

// close sends the close frame and waits, bounded by ctx, for the peer's;
// a Read waiting meanwhile returns at once, so that the peer's answer can
// be read. When ctx ends first, TCP is cut.
func (n *native) close(ctx context.Context, code StatusCode, reason string) error {
	if n.hasEnded() {
		err := n.endErr("close")
		n.cutNow()
		return err
	}
	n.setCause(closedCause)
	n.closing.Store(true)
	n.stream.closeCut()
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
		err = errs.Wrap("client: close: the closing handshake did not finish", ctx.Err())
	}
	n.stopIdle()
	n.end(closedCause, "close")
	if err != nil && ctx.Err() == nil {
		if errors.Is(err, net.ErrClosed) {
			return errs.Msg("client: close: the connection ended before the closing handshake finished", errs.ErrClosed)
		}
		return errors.New("client: close: the closing handshake did not finish")
	}
	return err
}

// closeNow cuts TCP before anything else, so that nothing the peer does
// or does not do can hold it.
func (n *native) closeNow() error {
	n.setCause(closedCause)
	n.cutNow()
	n.end(closedCause, "close")
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

func (n *native) extensions() string { return n.ext }

// transport: natively there is one, the WebSocket protocol itself.
func (n *native) transport() Transport { return TransportWebSocket }

// buffered: Write returns once the message is written to the network, so
// nothing is held back.
func (n *native) buffered() int64 { return 0 }

func (n *native) setReadLimit(limit int64) { n.limit.Store(limit) }
