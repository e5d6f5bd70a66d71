// Package wsspec holds the rules of what a WebSocket client may send and
// dial, as browsers enforce them, and the defaults they share, written
// once for package wasm (the browser's vocabulary), package client (the
// portable one), which may not import each other, and the packages above
// them (reconnect, codec).
package wsspec

import (
	"errors"
	"strconv"
	"unicode/utf8"

	"github.com/duplex-go/duplex/internal/errs"
)

// This package is in every page: it uses neither strings nor strconv.Quote
// (strings brings package unicode's tables, strconv.Quote its own; a few
// KB each, gzipped).

// MaxReasonBytes is the longest close reason a browser sends, and what
// fits a close frame beside its code.
const MaxReasonBytes = 123

// CloseCode returns the code to send for code: 1000 and 3000-4999 as they
// are, 1001-1015 as 4001-4015 (browsers refuse them), and for anything
// else 4011 and false.
func CloseCode(code int) (int, bool) {
	switch {
	case code == 1000, code >= 3000 && code <= 4999:
		return code, true
	case code >= 1001 && code <= 1015:
		return 4000 + code - 1000, true
	}
	return 4011, false
}

// PeerCloseCode reports whether a peer may send code in a close frame
// (RFC 6455 section 7.4): 1000-1003, 1007-1014 and 3000-4999. 1005, 1006
// and 1015 only report what happened; the rest is reserved.
func PeerCloseCode(code int) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014:
		return true
	case code >= 3000 && code <= 4999:
		return true
	}
	return false
}

// Close returns what a close with code and reason sends: CloseCode's code
// and CloseReason's reason, and a nil error. For a code no client may send
// it returns 4011, a reason that names the code, and an error of op (such
// as "client: close") wrapping invalidCode.
func Close(op string, code int, reason string, invalidCode error) (int, string, error) {
	sent, ok := CloseCode(code)
	if !ok {
		n := strconv.Itoa(code)
		return sent, "duplex: invalid close code " + n,
			errs.Msg(op+": code "+n+" is not a close code a client may send; closed with 4011", invalidCode)
	}
	return sent, CloseReason(reason), nil
}

// CloseReason makes reason sendable: valid UTF-8, cut to MaxReasonBytes at
// a character boundary.
func CloseReason(reason string) string {
	if !utf8.ValidString(reason) {
		reason = toValidUTF8(reason)
	}
	if len(reason) <= MaxReasonBytes {
		return reason
	}
	n := MaxReasonBytes
	for n > 0 && !utf8.RuneStart(reason[n]) {
		n--
	}
	return reason[:n]
}

// The values of the message types (internal/ws.MessageType, which client
// and wasm alias).
const (
	MessageText   = 1
	MessageBinary = 2
)

// CheckType returns an error of op (such as "client: writer") if typ is
// not MessageText or MessageBinary, else nil. It names typ as
// MessageType's String does.
func CheckType(op string, typ int) error {
	if typ != MessageText && typ != MessageBinary {
		return errors.New(op + ": MessageType(" + strconv.Itoa(typ) + ") is not a message type")
	}
	return nil
}

// CheckWrite returns the error of op (such as "client: write") sending p
// as a message of type typ, checked before anything is sent: CheckType's,
// or for text that is not UTF-8 an error wrapping invalidUTF8. It returns
// nil if p may be sent.
func CheckWrite(op string, typ int, p []byte, invalidUTF8 error) error {
	if err := CheckType(op, typ); err != nil {
		return err
	}
	if typ == MessageText && !utf8.Valid(p) {
		return errs.Msg(op+": text is not valid UTF-8; nothing was sent", invalidUTF8)
	}
	return nil
}

// The reasons a client sends with the codes it closes with for its own
// limits, the same on both platforms: natively (package client), from
// package wasm's Go backend, and in shim.js, which cannot import them.
const (
	ReasonTooBig    = "duplex: message too big"
	ReasonQueueFull = "duplex: receive queue full"
)

// CheckSubprotocols returns an error if list cannot be offered: each
// subprotocol must be an RFC 6455 token (RFC 7230: printable ASCII, no
// space or separator, not empty), offered once, as the browser's
// WebSocket constructor demands (it throws a SyntaxError otherwise). The
// error names the subprotocol by its index in field (such as
// "Options.Subprotocols"), not by its value, which may be a credential;
// it names the character that is wrong when it is printable ASCII.
func CheckSubprotocols(field string, list []string) error {
	for i, p := range list {
		name := field + "[" + strconv.Itoa(i) + "]"
		if p == "" {
			return errors.New(name + " is empty: a subprotocol is an RFC 6455 token")
		}
		for j := 0; j < len(p); j++ {
			if c := p[j]; !tokenChar(c) {
				what := "a byte outside printable ASCII"
				if c > ' ' && c < 0x7f {
					what = Quote(string(c))
				} else if c == ' ' {
					what = "a space"
				}
				return errors.New(name + " holds " + what + ": a subprotocol is an RFC 6455 token (printable ASCII, no space or separator)")
			}
		}
		for k, q := range list[:i] {
			if q == p {
				return errors.New(name + " repeats " + field + "[" + strconv.Itoa(k) + "]: each subprotocol is offered once")
			}
		}
	}
	return nil
}

// tokenChar reports whether c may be in a token (RFC 7230 section 3.2.6).
func tokenChar(c byte) bool {
	if c <= ' ' || c >= 0x7f {
		return false
	}
	switch c {
	case '(', ')', '<', '>', '@', ',', ';', ':', '\\', '"', '/', '[', ']', '?', '=', '{', '}':
		return false
	}
	return true
}

// DefaultReadLimit is the read limit, in bytes, of a connection whose
// options leave it 0.
const DefaultReadLimit = 32 << 10

// ReadLimit returns the read limit that n asks for, in options or in
// SetReadLimit: n bytes, -1 for no limit, and DefaultReadLimit for 0 or
// any other negative n.
func ReadLimit(n int64) int64 {
	if n == 0 || n < -1 {
		return DefaultReadLimit
	}
	return n
}

// CheckURL checks the parts of a parsed WebSocket URL, raw: ws and wss
// pass, http and https become ws and wss (the caller sets the scheme it
// returns: parsing, never replacing text); it must have a host and no
// fragment. The scheme is without the colon. The error does not name the
// URL: the caller does. It takes parts, not a *url.URL, so that the
// browser build can parse with the browser's URL and leave net/url out.
func CheckURL(scheme, host, raw string) (string, error) {
	switch scheme {
	case "ws", "wss":
	case "http":
		scheme = "ws"
	case "https":
		scheme = "wss"
	default:
		return "", errors.New("scheme " + Quote(scheme) + ": want ws, wss, http or https")
	}
	if host == "" || !hasAuthority(raw) {
		return "", errors.New("no host")
	}
	if index(raw, "#") >= 0 {
		return "", errors.New("a WebSocket URL has no fragment")
	}
	return scheme, nil
}

// hasAuthority reports whether raw, if it starts with a scheme, follows
// the scheme's colon with "//" and a host. The browser's URL parser
// forgives "ws:h", "ws:/h" and "ws:///h" (all become ws://h/), where Go's
// url.Parse finds no host: both builds refuse them, so they agree. A raw
// URL without a scheme (a relative one, resolved against the page) passes.
func hasAuthority(raw string) bool {
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		case c == ':' && i > 0:
			rest := raw[i+1:]
			return len(rest) > 2 && rest[:2] == "//" && rest[2] != '/' && rest[2] != '?' && rest[2] != '#'
		default:
			return true // no scheme
		}
	}
	return true
}

// toValidUTF8 replaces each run of invalid bytes in s with U+FFFD, as
// strings.ToValidUTF8(s, "\uFFFD") does.
func toValidUTF8(s string) string {
	b := make([]byte, 0, len(s)+2)
	invalid := false
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			if !invalid {
				b = utf8.AppendRune(b, utf8.RuneError)
			}
			invalid = true
			i++
			continue
		}
		invalid = false
		b = append(b, s[i:i+n]...)
		i += n
	}
	return string(b)
}

// Quote returns s in double quotes, for an error message. Unlike
// strconv.Quote it escapes nothing: the messages are read by people.
func Quote(s string) string { return `"` + s + `"` }

// index is strings.Index.
func index(s, substr string) int {
	for i := 0; i+len(substr) <= len(s); i++ {
		if s[i:i+len(substr)] == substr {
			return i
		}
	}
	return -1
}

// TrimSuffix is strings.TrimSuffix.
func TrimSuffix(s, suffix string) string {
	if len(s) >= len(suffix) && s[len(s)-len(suffix):] == suffix {
		return s[:len(s)-len(suffix)]
	}
	return s
}

// Contains is strings.Contains.
func Contains(s, substr string) bool { return index(s, substr) >= 0 }
