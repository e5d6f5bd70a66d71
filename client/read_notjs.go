//go:build !js

package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/coder/websocket"

	"github.com/duplex-go/duplex/internal/errs"
	"github.com/duplex-go/duplex/internal/ws"
	"github.com/duplex-go/duplex/internal/wsspec"
)

// cause is how a connection ended, as every call that finds it so says
// it: Read returns read; the others their own prefix, then why, with
// errs (net.ErrClosed among them) in the chain.
type cause struct {
	read error
	why  string
	errs []error
}

// err is the error of op, such as "write", on a connection that ended.
func (c *cause) err(op string) error {
	if op == "read" {
		return c.read
	}
	return errs.Join("client: "+op+": "+c.why, c.errs...)
}

// closedCause: this side closed the connection.
var closedCause = &cause{read: closedError("read"), why: errs.ErrClosed.Error(), errs: []error{errs.ErrClosed}}

// peerCause: a close frame, or TCP ended without one (1006).
func peerCause(ce *CloseError) *cause {
	return &cause{read: ce, why: ws.CloseText(ce), errs: []error{ce}}
}

// failCause: this side failed the connection; why says what happened and
// what was sent.
func failCause(why string, errs ...error) *cause {
	return &cause{read: joined("read", why, errs), why: why, errs: errs}
}

func joined(op, why string, errors []error) error {
	return errs.Join("client: "+op+": "+why, errors...)
}

// setCause records how the connection ended; the first record wins.
func (n *native) setCause(c *cause) { n.causeOnce.Do(func() { n.cause = c }) }

// end records how the connection ended (unless something was recorded
// before) and returns the error of op.
func (n *native) end(c *cause, op string) error {
	n.setCause(c)
	n.endOnce.Do(func() { close(n.ended) })
	return n.cause.err(op)
}

func (n *native) hasEnded() bool {
	select {
	case <-n.ended:
		return true
	default:
		return false
	}
}

// endErr is the error of op once the connection has ended.
func (n *native) endErr(op string) error { return n.end(closedCause, op) }

// header is a message as the idle reader keeps it.
type header struct {
	typ MessageType
	r   io.Reader
}

// readCause translates how coder/websocket's Reader failed.
func readCause(err error) *cause {
	if ce, ok := errors.AsType[websocket.CloseError](err); ok {
		return peerCause(&CloseError{Code: StatusCode(ce.Code), Reason: ce.Reason, WasClean: true})
	}
	// Cut without a close frame, as a browser reports it.
	return peerCause(&CloseError{Code: StatusAbnormalClosure})
}

// failed handles an error of coder/websocket's reading side other than a
// cut, and returns Read's error: a fault the stream found fails the
// connection as browsers fail it; anything else means the connection has
// ended. ctx bounds the wait for the close frame to go out.
func (n *native) failed(ctx context.Context, err error) error {
	if f, ok := errors.AsType[*frameFault](err); ok {
		if f.tooBig > 0 {
			return n.fail(ctx, failCause(fmt.Sprintf("a message of %d bytes or more, over the read limit of %d bytes, was refused before it was read; the connection was closed with 4009",
				f.tooBig, f.limit), ErrMessageTooBig, errs.ErrClosed), 4009, wsspec.ReasonTooBig)
		}
		return n.fail(ctx, failCause("the server broke the WebSocket protocol ("+f.what+"), so the connection was failed with 1002, as browsers do (closed with 1006)",
			&CloseError{Code: StatusAbnormalClosure}), StatusProtocolError, f.what)
	}
	if errors.Is(err, errFailed) {
		return n.endErr("read")
	}
	return n.end(readCause(err), "read")
}

// fail ends the connection from the reading side: it records c for every
// later call, stops reading, sends code and reason, and gives up the
// connection; it returns Read's error. The close frame has until ctx ends
// or the close timeout passes to go out; then TCP is cut.
func (n *native) fail(ctx context.Context, c *cause, code StatusCode, reason string) error {
	n.setCause(c)
	n.stream.kill()
	done := make(chan struct{})
	go func() {
		defer close(done)
		// Nothing is read any more, so this only writes the frame.
		_ = n.ws.Close(websocket.StatusCode(code), reason)
	}()
	t := time.NewTimer(n.closeTimeout)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		n.raw.Close()
		<-done
	case <-ctx.Done():
		n.raw.Close()
		<-done
	}
	return n.end(c, "read")
}

func fromCoder(t websocket.MessageType) MessageType {
	if t == websocket.MessageText {
		return MessageText
	}
	return MessageBinary
}

// lock takes the read token, bounded by ctx. If the idle reader has it,
// it is asked to give way.
func (n *native) lock(ctx context.Context) error {
	select {
	case n.readSem <- struct{}{}:
		return nil
	default:
	}
	n.stream.want(1)
	defer n.stream.want(-1)
	select {
	case n.readSem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// unlock gives the token back and counts a read done.
func (n *native) unlock() {
	<-n.readSem
	n.readDone()
}

// readDone counts a read done, and sets the tick going if it stopped.
func (n *native) readDone() {
	n.reads.Add(1)
	if n.ticking.Load() {
		return
	}
	n.idleMu.Lock()
	if !n.idleDone && n.ticking.CompareAndSwap(false, true) {
		n.idle.Reset(idleAfter)
	}
	n.idleMu.Unlock()
}

// tick starts the idle reader if no read was done since the last tick,
// and otherwise ticks again.
func (n *native) tick() {
	if r := n.reads.Load(); r != n.seen.Load() {
		n.seen.Store(r)
		n.idleMu.Lock()
		if !n.idleDone {
			n.idle.Reset(idleAfter)
		}
		n.idleMu.Unlock()
		return
	}
	n.ticking.Store(false)
	n.idleRead()
}

// next begins the next message under the token, with op on the stream
// (opMessage for a Read, opHeader for a Reader), which the caller ends;
// ctx bounds the wait.
func (n *native) next(ctx context.Context, op streamOp) (MessageType, error) {
	if err := n.discard(ctx); err != nil {
		return 0, err
	}
	if !n.stream.begin(op) { // closing
		return 0, n.endErr("read")
	}
	whole := op == opMessage
	if h := n.pending; h.r != nil {
		n.pending = header{}
		n.begin(ctx, h.typ, h.r, whole)
		return h.typ, nil
	}
	if n.hasEnded() {
		return 0, n.endErr("read")
	}
	if ctx.Done() != nil {
		defer context.AfterFunc(ctx, n.cutUser)()
	}
	for {
		typ, r, err := n.ws.Reader(context.Background())
		switch {
		case err == nil:
			n.begin(ctx, fromCoder(typ), r, whole)
			return fromCoder(typ), nil
		case !errors.Is(err, errCut):
			return 0, n.failed(ctx, err)
		case ctx.Err() != nil:
			return 0, ctx.Err()
		}
		if testHookAgain != nil {
			testHookAgain()
		}
		if !n.stream.again(ctx) { // closing
			return 0, n.endErr("read")
		}
		// The cut was meant for an earlier read.
	}
}

// testHookAgain, if set, runs when a Read's op was cut while its ctx was
// alive, before it forgets the cut.
var testHookAgain func()

// discard reads the rest of a body that a Reader left unread. That
// message has begun, and coder/websocket cannot be stopped inside it
// without losing its place: if ctx ends first, the connection is cut.
func (n *native) discard(ctx context.Context) error {
	if !n.bodyOpen.Load() {
		return nil
	}
	if n.stream.between.Load() || ctx.Done() == nil {
		// All of it has been handed to coder/websocket: no wait.
		_, err := io.Copy(io.Discard, &n.body)
		return err
	}
	stop := context.AfterFunc(ctx, func() {
		n.setCause(failCause("the connection was cut: a Read's ctx ended while it discarded the unread rest of a Reader's message (closed with 1006)",
			&CloseError{Code: StatusAbnormalClosure}))
		n.stream.kill()
		n.raw.Close()
	})
	_, err := io.Copy(io.Discard, &n.body)
	if !stop() {
		return errs.Join("client: read: the rest of a Reader's message was still arriving when ctx ended; the connection was cut", ctx.Err(), errs.ErrClosed)
	}
	return err
}

// begin makes r the body being read; ctx bounds how long failing the
// connection for it may take (a Reader's body has no ctx).
func (n *native) begin(ctx context.Context, typ MessageType, r io.Reader, whole bool) {
	if !whole {
		ctx = context.Background()
	}
	n.body.start(ctx, typ, r, n.limit.Load(), whole)
	n.bodyOpen.Store(true)
}

func (n *native) reader(ctx context.Context) (MessageType, io.Reader, error) {
	if err := n.lock(ctx); err != nil {
		return 0, nil, err
	}
	defer n.unlock()
	typ, err := n.next(ctx, opHeader)
	n.stream.end()
	if err != nil {
		return 0, nil, err
	}
	return typ, &n.body, nil
}

// read holds the token until the body is read, so Reads from several
// goroutines each get whole messages. The stream has received the whole
// message before next returns, so reading its body never waits.
func (n *native) read(ctx context.Context) (MessageType, []byte, error) {
	if err := n.lock(ctx); err != nil {
		return 0, nil, err
	}
	defer n.unlock()
	defer n.stream.end()
	typ, err := n.next(ctx, opMessage)
	if err != nil {
		return 0, nil, err
	}
	p, err := io.ReadAll(&n.body)
	if err != nil {
		return 0, nil, err
	}
	return typ, p, nil
}

// idleRead reads in the program's place while nobody reads, so that
// control frames are answered; run by the idle timer.
func (n *native) idleRead() {
	n.idleMu.Lock()
	if n.idleDone {
		n.idleMu.Unlock()
		return
	}
	n.idleWG.Add(1)
	n.idleMu.Unlock()
	defer n.idleWG.Done()

	select {
	case n.readSem <- struct{}{}:
	default:
		return // a reader has it, and sets the tick going when done
	}
	defer func() { <-n.readSem }()
	if n.bodyOpen.Load() || n.pending.r != nil || n.hasEnded() || n.closing.Load() || !n.stream.begin(opIdle) {
		return
	}
	typ, r, err := n.ws.Reader(context.Background())
	n.stream.end()
	switch {
	case err == nil:
		n.pending = header{fromCoder(typ), r}
	case !errors.Is(err, errCut):
		n.failed(context.Background(), err)
	}
}

// stopIdle ends the idle reader for good, once the connection is given
// up (so it does not wait long).
func (n *native) stopIdle() {
	n.idleMu.Lock()
	n.idleDone = true
	n.idleMu.Unlock()
	n.idle.Stop()
	n.idleWG.Wait()
}

// body is the reader of one message's body: it enforces the read limit
// and, for text, UTF-8, as the bytes arrive.
type body struct {
	n     *native
	ctx   context.Context // the Read's, for failing the connection
	r     io.Reader
	typ   MessageType
	got   int64
	limit int64
	utf8  utf8Stream
	open  bool
	whole bool // read by read, under the token
	err   error
}

func (b *body) start(ctx context.Context, typ MessageType, r io.Reader, limit int64, whole bool) {
	*b = body{n: b.n, ctx: ctx, r: r, typ: typ, limit: limit, open: true, whole: whole}
}

func (b *body) Read(p []byte) (int, error) {
	if !b.open {
		if b.err != nil {
			return 0, b.err
		}
		return 0, io.EOF
	}
	if b.limit >= 0 && int64(len(p))-1 > b.limit-b.got {
		p = p[:b.limit-b.got+1] // one byte over tells
	}
	k, err := b.r.Read(p)
	b.got += int64(k)
	if b.limit >= 0 && b.got > b.limit {
		return 0, b.fail(failCause(fmt.Sprintf("a message over the read limit of %d bytes; the connection was closed with 4009", b.limit),
			ErrMessageTooBig, errs.ErrClosed), 4009, wsspec.ReasonTooBig)
	}
	if b.typ == MessageText && !b.utf8.check(p[:k]) || err == io.EOF && !b.utf8.complete() {
		return 0, b.fail(failCause("a text message was not UTF-8, so the connection was failed with 1002, as browsers do (closed with 1006)",
			ErrInvalidUTF8, &CloseError{Code: StatusAbnormalClosure}), StatusProtocolError, "Invalid UTF-8 in text frame")
	}
	switch {
	case err == io.EOF:
		b.open = false
		b.n.bodyOpen.Store(false)
		if !b.whole { // read outside the token: count it here
			b.n.readDone()
		}
		return k, io.EOF
	case err != nil: // the connection failed
		b.open = false
		b.err = b.n.failed(b.ctx, err)
		b.n.bodyOpen.Store(false)
		return 0, b.err
	}
	return k, nil
}

func (b *body) fail(c *cause, code StatusCode, reason string) error {
	b.open = false
	b.err = b.n.fail(b.ctx, c, code, reason)
	b.n.bodyOpen.Store(false)
	return b.err
}
