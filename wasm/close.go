//go:build js && wasm

package wasm

import "github.com/duplex-go/duplex/internal/wsspec"

// MaxReasonBytes is the longest close reason a browser sends.
const MaxReasonBytes = wsspec.MaxReasonBytes

// BrowserCloseCode returns the code Close passes to the browser for code,
// which only accepts 1000 and 3000-4999:
//
//   - 1000 and 3000-4999 are sent as they are;
//   - the protocol's codes 1001-1015 (going away, policy violation, message
//     too big, internal error, ...) are sent as 4001-4015: 4000 plus the
//     code's last three digits, so a server can map them back;
//   - anything else is not a close code: it reports false, and Close
//     sends 4011 (internal error).
func BrowserCloseCode(code int) (int, bool) { return wsspec.CloseCode(code) }
