//go:build js && wasm

package wasm

import "github.com/duplex-go/duplex/internal/ws"

// The errors a Conn's methods have in their chain, to match with
// errors.Is: the same values as client's.
var (
	// ErrClosed is in the chain of every error from a Conn that is
	// closed: after Close, or after the connection has ended. It is the
	// same value as client.ErrClosed, and errors.Is matches it to
	// net.ErrClosed (which this package does not import: package net
	// costs a page about 70 KB gzipped).
	ErrClosed = ws.ErrClosed
	// ErrMessageTooBig: a message was over Options.ReadLimit; the
	// connection was closed with 4009.
	ErrMessageTooBig = ws.ErrMessageTooBig
	// ErrReceiveQueueFull: the receive queue (what the browser has
	// received and Read has not yet returned) passed
	// Options.ReceiveQueueLimit; the connection was closed with 4008.
	ErrReceiveQueueFull = ws.ErrReceiveQueueFull
	// ErrInvalidUTF8: text that is not UTF-8. A write of it sends
	// nothing; a received one fails the connection.
	ErrInvalidUTF8 = ws.ErrInvalidUTF8
	// ErrUnsupported: the browser or the page lacks what the Options ask
	// for; the error says what.
	ErrUnsupported = ws.ErrUnsupported
	// ErrInvalidCloseCode: Close was given a code no client may send; it
	// closed with 4011 instead.
	ErrInvalidCloseCode = ws.ErrInvalidCloseCode
)

// CloseError is how a connection ended when this side did not close it:
// the code and reason of the browser's close event, and whether the
// closing handshake completed (WasClean). A connection cut without a
// close frame reports 1006 and WasClean false. It is the same type as
// client.CloseError, and errors.Is matches it to ErrClosed.
type CloseError = ws.CloseError

// CloseStatus returns the code of the *CloseError in err's chain, or 0 if
// there is none.
func CloseStatus(err error) StatusCode { return ws.CloseStatus(err) }

// DialError is a WebSocket that never opened: the same type as
// client.DialError. Browsers do not tell a page why: a refused
// connection, an HTTP 4xx or 5xx answer, a redirect and a TLS failure all
// end as close code 1006 with WasClean false, so StatusCode is 0, and Err
// holds that *CloseError (or, when Dial's ctx or Options.HandshakeTimeout
// ended first, the ctx's error).
//
// Where the page can know more, Err says why, with one of these in its
// chain:
//
//   - ErrMixedContent: a ws:// URL from an https page, which the browser
//     refused before connecting (no *CloseError: no socket was made);
//   - ErrBlockedByCSP: the page's Content Security Policy does not allow
//     the URL, refused before connecting (no *CloseError either);
//   - ErrUnreachable or ErrUpgradeRefused, beside the *CloseError: what
//     an HTTP request to the URL's host and port found, if the program
//     called EnableDialProbe.
//
// Its text, like that of every error of Dial, masks the URL's
// credentials: user info, query values and fragment read REDACTED.
type DialError = ws.DialError
