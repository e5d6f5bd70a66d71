//go:build js && wasm

package wasm

import (
	"strconv"

	"github.com/duplex-go/duplex/internal/errs"
	"github.com/duplex-go/duplex/internal/ws"
	"github.com/duplex-go/duplex/internal/wsspec"
)

// How a connection ended, as every call after that says it.

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
//
// (Not inlined: five copies cost more than the call.)
//
//go:noinline
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
