//go:build js && wasm

package wasm

import (
	"errors"
	"strconv"

	"github.com/duplex-go/duplex/internal/redact"
)

var (
	// ErrClosed is in the chain of every error from a Conn that is
	// closed: after Close, or after the connection has ended.
	ErrClosed = errors.New("wasm: connection closed")
	// ErrMessageTooBig: a message was over Options.ReadLimit.
	ErrMessageTooBig = errors.New("wasm: message over the read limit")
	// ErrQueueFull: received messages passed Options.QueueLimit.
	ErrQueueFull = errors.New("wasm: receive queue full")
	// ErrInvalidUTF8: WriteText was given text that is not UTF-8; nothing
	// was sent.
	ErrInvalidUTF8 = errors.New("wasm: text is not valid UTF-8")
	// ErrUnsupported: the browser lacks what the Options ask for.
	ErrUnsupported = errors.New("wasm: not supported by this browser")
	// ErrInvalidCloseCode: Close was given a code no WebSocket may send.
	ErrInvalidCloseCode = errors.New("wasm: invalid close code")
)

// CloseError is how a connection ended when this side did not close it:
// the code and reason of the browser's close event, and whether the
// closing handshake completed (wasClean). A connection cut without a close
// frame reports 1006 and WasClean false.
type CloseError struct {
	Code     int
	Reason   string
	WasClean bool
}

// Error returns "wasm: closed with Code: Reason" (and "not clean").
func (e *CloseError) Error() string {
	s := "wasm: closed with " + strconv.Itoa(e.Code)
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	if !e.WasClean {
		s += " (not clean)"
	}
	return s
}

// Is reports ErrClosed as matching, so errors.Is(err, ErrClosed) holds for
// every way a connection ends.
func (e *CloseError) Is(target error) bool { return target == ErrClosed }

// DialError is a WebSocket that never opened. Browsers do not tell a page
// why: a refused connection, an HTTP 4xx or 5xx answer, a redirect and a
// TLS failure all end as close code 1006 with WasClean false, and Err
// says so. Where the page can know more, and the program asked
// (EnableDialDiagnostics, EnableDialProbe), Err says why instead, with
// one of these in its chain:
//
//   - ErrMixedContent: a ws:// URL from an https page, refused before
//     connecting (Code is 0: no socket was made);
//   - ErrBlockedByCSP: the page's Content Security Policy does not allow
//     the URL, refused before connecting;
//   - ErrUnreachable or ErrUpgradeRefused: what an HTTP request to the
//     URL's host and port found (EnableDialProbe).
//
// Its text, like that of every error of Dial, masks the URL's
// credentials: user info, query values and fragment read REDACTED.
type DialError struct {
	// URL is the URL dialled (resolved and rewritten), whole.
	URL      string
	Code     int
	Reason   string
	WasClean bool
	// Err is why, as far as the page can know: see above.
	Err error
}

// Error says what can be known about the failure.
func (e *DialError) Error() string {
	s := "wasm: dial " + redact.URL(e.URL) + ": "
	if e.Err == nil {
		return s + "the WebSocket never opened"
	}
	return s + e.Err.Error()
}

// Unwrap returns Err.
func (e *DialError) Unwrap() error { return e.Err }
