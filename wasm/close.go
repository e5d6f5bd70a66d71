//go:build js && wasm

package wasm

import (
	"context"
	"errors"

	"github.com/duplex-go/duplex/internal/errs"
	"github.com/duplex-go/duplex/internal/ws"
	"github.com/duplex-go/duplex/internal/wsspec"
)

// Closing: the handshake bounded by a ctx, or at once.

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

// MaxReasonBytes is the longest close reason sent: what browsers allow,
// and what fits a close frame with its code.
const MaxReasonBytes = ws.MaxReasonBytes

// WireCode returns the code Close sends for c, which browsers only accept
// as 1000 or 3000-4999 (and the same natively, through package client):
//
//   - 1000 and 3000-4999 are sent as they are;
//   - 1001-1015 (going away, policy violation, message too big, internal
//     error, ...) are sent as 4001-4015, 4000 plus the last three digits,
//     so that a server can map them back;
//   - anything else is not a close code a client may send: WireCode
//     reports false, and Close sends 4011 and returns ErrInvalidCloseCode.
func WireCode(c StatusCode) (StatusCode, bool) { return ws.WireCode(c) }
