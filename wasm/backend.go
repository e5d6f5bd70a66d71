//go:build js && wasm

package wasm

import "syscall/js"

// backend is what a Conn drives: the JavaScript shim (shim.go) for both
// transports or, where the page forbids building it, a Go implementation
// of the same over the classic WebSocket (fallback.go). Both call the
// Conn's notify with 1 (something to read), 2 (room to write) and 4
// (final: nothing will call again).
type backend interface {
	// take appends to dst the messages ready to read, in order (strings,
	// Uint8Arrays and, from the fallback, Blobs), after accounting for the
	// delivered messages read since the last take. With arm set and
	// nothing ready, it asks for a notify(1) when there is.
	take(dst []js.Value, delivered int, arm bool) []js.Value
	disarmRead()
	// ended reports how the socket ended, once every message before the
	// end has been taken; closed reports it as soon as it is known.
	ended() (end, bool)
	closed() (end, bool)
	readyState() ReadyState
	protocol() string
	extensions() string
	buffered() int64
	// armWrite reports whether a write may go now (buffered below low, or
	// the socket ending); if not, it asks for a notify(2) when it may.
	armWrite(low int64) bool
	disarmWrite()
	sendText(s string) error
	sendBinary(p []byte) error
	close(code int, reason string) error
	// detach stops every call into Go and releases what the backend holds.
	detach()
}

// end is how a socket ended.
type end struct {
	code     int
	reason   string
	wasClean bool
	failure  string // "toobig", "queuefull", "blob" when a limit made us close
	size     int64  // the size of the message that failed
	opened   bool
}
