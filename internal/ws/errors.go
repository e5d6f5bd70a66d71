package ws

import (
	"errors"
	"strconv"
	"time"

	"github.com/duplex-go/duplex/internal/errs"
	"github.com/duplex-go/duplex/internal/redact"
)

// prefix begins the text of every error declared here.
const prefix = "websocket: "

var (
	// ErrMessageTooBig: a received message was over the read limit. The
	// connection was closed with 4009.
	ErrMessageTooBig = errors.New(prefix + "message over the read limit")
	// ErrInvalidUTF8: text that is not UTF-8. A Write of it sends
	// nothing; a received one fails the connection, as browsers do.
	ErrInvalidUTF8 = errors.New(prefix + "text is not valid UTF-8")
	// ErrReceiveQueueFull: in the browser, received messages passed
	// Options.ReceiveQueueLimit, the limit of the receive queue (what the
	// browser has received and Read has not yet returned); the connection
	// was closed with 4008.
	ErrReceiveQueueFull = errors.New(prefix + "receive queue full")
	// ErrInvalidCloseCode: Close was given a code no client may send; it
	// closed with 4011 instead.
	ErrInvalidCloseCode = errors.New(prefix + "invalid close code")
	// ErrUnsupported: the Options ask for something this platform cannot
	// do; the error names the field.
	ErrUnsupported = errors.New(prefix + "not supported on this platform")
	// ErrClosed is in the chain of the errors of a connection that has
	// ended or was closed. Natively it is net.ErrClosed; the browser
	// build, which does not import package net (about 70 KB gzipped of
	// every page), has a stand-in that errors.Is matches to
	// net.ErrClosed, so both errors.Is(err, ErrClosed) and
	// errors.Is(err, net.ErrClosed) hold on both platforms.
	ErrClosed = errs.ErrClosed
)

// CloseError is how the connection ended when this side did not close it:
// the close frame's code and reason, or StatusAbnormalClosure (1006) when
// it ended without one. Its chain holds net.ErrClosed.
type CloseError struct {
	Code   StatusCode
	Reason string
	// WasClean reports that the closing handshake completed, as the
	// browser's close event does.
	WasClean bool
}

// Error returns "websocket: closed with CODE: REASON", and " (not
// clean)" if the closing handshake did not complete.
func (e *CloseError) Error() string { return prefix + CloseText(e) }

// CloseText is e's text without the prefix, for the text of an error
// that has e in its chain: "closed with CODE: REASON", and " (not
// clean)".
func CloseText(e *CloseError) string {
	s := "closed with " + strconv.Itoa(int(e.Code))
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	if !e.WasClean {
		s += " (not clean)"
	}
	return s
}

// Is reports net.ErrClosed as matching: every way a connection ends is
// errors.Is(err, net.ErrClosed).
func (e *CloseError) Is(target error) bool { return errs.IsNetErrClosed(target) }

// CloseStatus returns the code of the *CloseError in err's chain, or 0 if
// there is none.
func CloseStatus(err error) StatusCode {
	if ce, ok := errors.AsType[*CloseError](err); ok {
		return ce.Code
	}
	return 0
}

// DialError is a handshake that failed. Natively it carries the HTTP
// answer when there was one; browsers hide it from pages, so there
// StatusCode is 0 and the error says the socket never opened.
//
// Its text masks credentials: the URL's user info, every query value and
// the fragment read REDACTED (wss://REDACTED@host/p?token=REDACTED), in
// the redirect target too, so that logs and bug reports do not carry the
// token a URL so often holds. The fields hold the URLs whole.
type DialError struct {
	// URL is the URL Dial was given, whole.
	URL string
	// StatusCode is the HTTP status of a refused handshake, 0 if unknown.
	StatusCode int
	// RetryAfter is the refusal's Retry-After, 0 if none.
	RetryAfter time.Duration
	// Location is a redirect's target, whole: redirects are not
	// followed, as in browsers.
	Location string
	// Err is the cause.
	Err error
}

// Error says what is known, with credentials masked.
func (e *DialError) Error() string {
	s := prefix + "dial " + redact.URL(e.URL)
	if e.StatusCode != 0 {
		s += ": HTTP " + strconv.Itoa(e.StatusCode)
	}
	if e.Location != "" {
		s += " redirecting to " + redact.URL(e.Location) + " (not followed)"
	}
	if e.RetryAfter > 0 {
		s += " (retry after " + e.RetryAfter.String() + ")"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *DialError) Unwrap() error { return e.Err }

// Why a browser's WebSocket never opened, where the page can know more
// than the close 1006 that browsers report for every failed handshake: a
// *DialError's chain holds one of these. Natively none is ever returned:
// a failed handshake there carries the HTTP answer or the network's error
// itself. See package client's ErrMixedContent, ErrBlockedByCSP,
// ErrUnreachable and ErrUpgradeRefused.
var (
	ErrMixedContent   = errors.New(prefix + "an https page may not open a ws:// WebSocket (mixed content)")
	ErrBlockedByCSP   = errors.New(prefix + "the page's Content Security Policy does not allow the URL")
	ErrUnreachable    = errors.New(prefix + "nothing answers HTTP at the address")
	ErrUpgradeRefused = errors.New(prefix + "a server answers HTTP at the address and refused the handshake")
)
