// Package wsspec holds the rules of what a WebSocket client may send and
// dial, as browsers enforce them, written once for package wasm (the
// browser's vocabulary) and package client (the portable one), which may
// not import each other.
package wsspec

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

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

// CloseReason makes reason sendable: valid UTF-8, cut to MaxReasonBytes at
// a character boundary.
func CloseReason(reason string) string {
	reason = strings.ToValidUTF8(reason, "\uFFFD")
	if len(reason) <= MaxReasonBytes {
		return reason
	}
	n := MaxReasonBytes
	for n > 0 && !utf8.RuneStart(reason[n]) {
		n--
	}
	return reason[:n]
}

// CheckURL makes u, parsed from raw, a WebSocket URL: ws and wss pass,
// http and https become ws and wss (by parsing, not by replacing text); it
// must have a host and no fragment. The error does not name the URL: the
// caller does.
func CheckURL(u *url.URL, raw string) error {
	switch u.Scheme {
	case "ws", "wss":
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	default:
		return fmt.Errorf("scheme %q: want ws, wss, http or https", u.Scheme)
	}
	if u.Host == "" {
		return errors.New("no host")
	}
	if strings.Contains(raw, "#") {
		return errors.New("a WebSocket URL has no fragment")
	}
	return nil
}
