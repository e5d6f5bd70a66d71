//go:build !js

package client

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"time"

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
		// cutWrite has failed the connection: a frame half written
		// cannot be taken back.
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

// cutWrite makes ctx's end, while a write of coder/websocket's is under
// way, cut it: a write deadline in the past on the connection fails the
// write, and the connection with it (a frame half written cannot be
// taken back). Call done with the write's error once it has returned: it
// reports whether the write was cut, and undoes a cut that came too late
// to change anything (the write had succeeded).
//
// coder/websocket's own watch of a write's ctx is not used (writes get
// context.Background()): it lasts until after the flush, and closes the
// connection when the ctx ends at any moment before, even once the message
// has gone out whole, so a ctx cancelled on the peer's answer to a
// message could end a connection whose Write had returned nil.
func (n *native) cutWrite(ctx context.Context) (done func(err error) bool) {
	if ctx.Done() == nil {
		return func(error) bool { return false }
	}
	var mu sync.Mutex
	writing, cut := true, false
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if writing {
			cut = true
			_ = n.raw.SetWriteDeadline(aLongTimeAgo)
		}
	})
	return func(err error) bool {
		stop()
		mu.Lock()
		defer mu.Unlock()
		writing = false
		if cut && err == nil {
			_ = n.raw.SetWriteDeadline(time.Time{})
		}
		return cut && err != nil
	}
}

// cutErr fails the connection whose write ctx cut, and returns op's error
// (writeErr's for a ctx that ended).
func (n *native) cutErr(ctx context.Context, op string) error {
	n.cutNow()
	n.end(closedCause, op)
	return n.writeErr(ctx, op, nil)
}

func (n *native) write(ctx context.Context, typ MessageType, p []byte) error {
	if n.hasEnded() {
		return n.endErr("write")
	}
	if err := n.lockWrite(ctx); err != nil {
		return err
	}
	defer func() { <-n.writeSem }()
	if err := ctx.Err(); err != nil {
		return err // nothing sent
	}
	done := n.cutWrite(ctx)
	err := n.ws.Write(context.Background(), toCoder(typ), p)
	if done(err) {
		return n.cutErr(ctx, "write")
	}
	if err != nil {
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
	if err := ctx.Err(); err != nil {
		<-n.writeSem
		return nil, err // nothing sent
	}
	// Its frames are cut as Write's are (cutWrite).
	w, err := n.ws.Writer(context.Background(), toCoder(typ))
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
	done := w.n.cutWrite(w.ctx)
	k, err := w.w.Write(p)
	if done(err) {
		return k, w.n.cutErr(w.ctx, "write")
	}
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
	done := w.n.cutWrite(w.ctx)
	err := w.w.Close()
	if done(err) {
		return w.n.cutErr(w.ctx, "write")
	}
	if err != nil {
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
