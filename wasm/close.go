//go:build js && wasm

package wasm

import (
	"strings"
	"unicode/utf8"
)

// MaxReasonBytes is the longest close reason a browser sends.
const MaxReasonBytes = 123

// BrowserCloseCode returns the code Close passes to the browser for code,
// which only accepts 1000 and 3000-4999:
//
//   - 1000 and 3000-4999 are sent as they are;
//   - the protocol's codes 1001-1015 (going away, policy violation, message
//     too big, internal error, ...) are sent as 4001-4015: 4000 plus the
//     code's last three digits, so a server can map them back;
//   - anything else is not a close code: it reports false, and Close
//     sends 4011 (internal error).
func BrowserCloseCode(code int) (int, bool) {
	switch {
	case code == 1000, code >= 3000 && code <= 4999:
		return code, true
	case code >= 1001 && code <= 1015:
		return 4000 + code - 1000, true
	}
	return 4011, false
}

// closeReason makes reason sendable: valid UTF-8, cut to MaxReasonBytes at
// a character boundary.
func closeReason(reason string) string {
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
