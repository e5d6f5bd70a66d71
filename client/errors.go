package client

import (
	"github.com/duplex-go/duplex/internal/errs"
	"github.com/duplex-go/duplex/internal/ws"
)

// The errors a Conn's methods have in their chain, to match with
// errors.Is.
var (
	// ErrMessageTooBig: a received message was over the read limit. The
	// connection was closed with 4009.
	ErrMessageTooBig = ws.ErrMessageTooBig
	// ErrInvalidUTF8: text that is not UTF-8. A Write of it sends
	// nothing; a received one fails the connection, as browsers do.
	ErrInvalidUTF8 = ws.ErrInvalidUTF8
	// ErrReceiveQueueFull: in the browser, the receive queue (what the
	// browser has received and Read has not yet returned) passed
	// Options.ReceiveQueueLimit; the connection was closed with 4008.
	ErrReceiveQueueFull = ws.ErrReceiveQueueFull
	// ErrInvalidCloseCode: Close was given a code no client may send; it
	// closed with 4011 instead.
	ErrInvalidCloseCode = ws.ErrInvalidCloseCode
	// ErrUnsupported: the Options ask for something this platform cannot
	// do; the error names the field.
	ErrUnsupported = ws.ErrUnsupported
)

// CloseError is how the connection ended when this side did not close it:
// the close frame's code and reason, or StatusAbnormalClosure (1006) when
// it ended without one. Its chain holds net.ErrClosed.
type CloseError = ws.CloseError

// CloseStatus returns the code of the *CloseError in err's chain, or 0 if
// there is none.
func CloseStatus(err error) StatusCode { return ws.CloseStatus(err) }

// DialError is a handshake that failed. Natively it carries the HTTP
// answer when there was one; browsers hide it from pages, so there
// StatusCode is 0 and the error says the socket never opened. Where the
// page can know why, Err has ErrMixedContent, ErrBlockedByCSP, or (with
// EnableDialProbe) ErrUnreachable or ErrUpgradeRefused in its chain; see
// wasm.DialError.
//
// Its text masks credentials: the URL's user info, every query value and
// the fragment read REDACTED (wss://REDACTED@host/p?token=REDACTED), in
// the redirect target too, so that logs and bug reports do not carry the
// token a URL so often holds. The fields hold the URLs whole.
type DialError = ws.DialError

// closedError is the error of a Conn used after Close.
func closedError(op string) error {
	return errs.Wrap("client: "+op, errs.ErrClosed)
}
