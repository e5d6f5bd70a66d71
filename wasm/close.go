//go:build js && wasm

package wasm

import "github.com/duplex-go/duplex/internal/ws"

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
