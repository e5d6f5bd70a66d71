//go:build !js

package client

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/coder/websocket"

	"github.com/duplex-go/duplex/internal/errs"
	"github.com/duplex-go/duplex/internal/ws"
	"github.com/duplex-go/duplex/internal/wsspec"
)

// How a connection ends: why (cause), recorded once for every later call
// to say, and how the reading side fails a connection the way browsers
// do.
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
